import { TrestleError } from "../errors.js";

/**
 * An OpenAPI document that cannot be read or imported. `location` is where the problem is:
 * the spec's path or URL, `file:line:col` when known, or a JSON pointer into the document
 * (`#/paths/~1pets/get`). The message itself is one line and states what was expected.
 */
export class OpenApiImportError extends TrestleError {
  /** JSON pointer of the offending node, when the problem is inside the document. */
  readonly pointer: string | undefined;

  constructor(message: string, options: { pointer?: string; cause?: unknown } = {}) {
    super("OPENAPI_IMPORT_ERROR", message, options.cause === undefined ? {} : { cause: options.cause });
    this.name = "OpenApiImportError";
    this.pointer = options.pointer;
  }
}
