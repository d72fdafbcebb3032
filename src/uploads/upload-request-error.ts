import { TrestleError, type TrestleErrorCode } from "../errors.js";

/**
 * A GraphQL multipart request refused as a whole: malformed (400 BAD_REQUEST), over an upload
 * limit (413 UPLOAD_TOO_LARGE) or with a non-file part over `limits.maxRequestBytes` (413
 * REQUEST_TOO_LARGE). The upload route answers it instead of any GraphQL result.
 */
export class UploadRequestError extends TrestleError {
  readonly status: 400 | 413;

  constructor(code: Extract<TrestleErrorCode, "BAD_REQUEST" | "UPLOAD_TOO_LARGE" | "REQUEST_TOO_LARGE">, message: string) {
    super(code, message);
    this.name = "UploadRequestError";
    this.status = code === "BAD_REQUEST" ? 400 : 413;
  }
}

/** A malformed multipart request, in words that name the spec's rule and echo what came. */
export function malformed(message: string): UploadRequestError {
  return new UploadRequestError("BAD_REQUEST", `Invalid GraphQL multipart request: ${message}`);
}

/** The start of a client's text, quoted: enough to recognise, never a whole payload. */
export function echo(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}
