import { randomBytes } from "node:crypto";
import type { Upload } from "./upload.js";

/** One part of a form sent upstream: text from a template, or the files of an Upload argument. */
export interface FormPart {
  name: string;
  value: string | readonly Upload[];
}

export interface EncodedForm {
  contentType: string;
  /** The body when it holds no file (text parts only, in memory); else undefined and `stream` is it. */
  text: string | undefined;
  /** The body as it is generated: files streamed from the client's request as the upstream reads them. */
  stream: AsyncIterable<Uint8Array>;
}

const encoder = new TextEncoder();
/** A media type as `type/subtype` (RFC 9110 tokens) and nothing more: the client's value goes into a header. */
const mediaType = /^[A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+-]+$/;

/**
 * `multipart/form-data` (RFC 7578) of `parts`, with a random boundary: text parts as they are,
 * an Upload as a file part with the client's filename and media type, its bytes streamed.
 * Names and filenames are quoted as the HTML standard does (CR, LF and `"` percent-encoded),
 * so a client's filename can never end the header or add one; a media type that is not a
 * plain `type/subtype` is sent as application/octet-stream.
 */
export function encodeMultipart(parts: readonly FormPart[]): EncodedForm {
  const boundary = `trestle-${randomBytes(16).toString("hex")}`;
  const contentType = `multipart/form-data; boundary=${boundary}`;
  const head = (name: string, file?: { filename: string; mimetype: string }) =>
    `--${boundary}\r\nContent-Disposition: form-data; name="${quote(name)}"` +
    (file === undefined
      ? "\r\n\r\n"
      : `; filename="${quote(file.filename)}"\r\nContent-Type: ${mediaType.test(file.mimetype) ? file.mimetype : "application/octet-stream"}\r\n\r\n`);
  const end = `--${boundary}--\r\n`;
  if (parts.every((part) => typeof part.value === "string")) {
    const text = parts.map((part) => `${head(part.name)}${part.value as string}\r\n`).join("") + end;
    return { contentType, text, stream: once(text) };
  }
  async function* generate(): AsyncGenerator<Uint8Array> {
    try {
      for (const part of parts) {
        if (typeof part.value === "string") {
          yield encoder.encode(`${head(part.name)}${part.value}\r\n`);
          continue;
        }
        for (const upload of part.value) {
          const file = await upload.file();
          yield encoder.encode(head(part.name, file));
          yield* file.stream;
          yield encoder.encode("\r\n");
        }
      }
      yield encoder.encode(end);
    } finally {
      // Ended early or whole: no file of this form may go on blocking the request's parser.
      for (const part of parts) if (typeof part.value !== "string") for (const upload of part.value) upload.release();
    }
  }
  return { contentType, text: undefined, stream: generate() };
}

/** `application/x-www-form-urlencoded` of text parts (the WHATWG URLSearchParams serialisation). */
export function encodeUrlEncoded(parts: readonly FormPart[]): string {
  const params = new URLSearchParams();
  for (const part of parts) if (typeof part.value === "string") params.append(part.name, part.value);
  return params.toString();
}

/** A name or filename inside a quoted header parameter (HTML's multipart/form-data encoding). */
function quote(text: string): string {
  return text.replace(/\r/g, "%0D").replace(/\n/g, "%0A").replace(/"/g, "%22");
}

async function* once(text: string): AsyncGenerator<Uint8Array> {
  yield encoder.encode(text);
}
