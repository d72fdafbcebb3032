/** One part of a `multipart/form-data` body the demo read whole. */
export interface FormDataPart {
  name: string;
  filename?: string;
  contentType?: string;
  data: Buffer;
}

/**
 * Splits a whole `multipart/form-data` body (RFC 7578) into its parts: enough for the demo's
 * small uploads (the demo reads at most 1 MB of body). Undefined when the Content-Type has no
 * boundary or the body is not framed by it.
 */
export function readFormData(contentType: string | undefined, body: Buffer): FormDataPart[] | undefined {
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? "");
  const marker = boundary?.[1] ?? boundary?.[2];
  if (marker === undefined) return undefined;
  const delimiter = Buffer.from(`--${marker}`);
  const parts: FormDataPart[] = [];
  let at = body.indexOf(delimiter);
  if (at < 0) return undefined;
  for (;;) {
    at += delimiter.length;
    if (body.subarray(at, at + 2).toString() === "--") return parts;
    const next = body.indexOf(delimiter, at);
    if (next < 0) return undefined;
    // Each part: CRLF, headers, CRLF CRLF, content, CRLF before the next delimiter.
    const part = body.subarray(at + 2, next - 2);
    const headerEnd = part.indexOf("\r\n\r\n");
    if (headerEnd < 0) return undefined;
    const headers = part.subarray(0, headerEnd).toString("utf8");
    const name = /\bname="([^"]*)"/i.exec(headers)?.[1];
    if (name === undefined) return undefined;
    const filename = /\bfilename="([^"]*)"/i.exec(headers)?.[1];
    const type = /^content-type:\s*(.+)$/im.exec(headers)?.[1]?.trim();
    parts.push({
      name,
      ...(filename === undefined ? {} : { filename }),
      ...(type === undefined ? {} : { contentType: type }),
      data: part.subarray(headerEnd + 4),
    });
    at = next;
  }
}
