import { createHash, randomBytes } from "node:crypto";
import { request as httpRequest } from "node:http";

/** A file part a test sends. */
export interface SentFile {
  /** The part name (a key of `map`). */
  name: string;
  filename: string;
  type: string;
  data: Buffer;
}

/** A GraphQL multipart request's parts, in order: operations, map, then files (or anything a test wants to send instead). */
export type SentPart = { name: string; text: string } | SentFile;

/** A multipart/form-data body of `parts`, exactly as given (tests send malformed ones too). */
export function multipartBody(
  parts: readonly SentPart[],
  boundary = `----test${randomBytes(8).toString("hex")}`,
): { body: Buffer; contentType: string } {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    if ("text" in part)
      chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"\r\n\r\n${part.text}\r\n`));
    else {
      chunks.push(
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"; ${filenameParam(part.filename)}\r\nContent-Type: ${part.type}\r\n\r\n`,
        ),
      );
      chunks.push(part.data, Buffer.from("\r\n"));
    }
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** A plain quoted filename, or RFC 5987's `filename*` for one a quoted string cannot carry (quotes, CR, LF, non-ASCII). */
function filenameParam(filename: string): string {
  return /^[\x20-\x7e]*$/.test(filename) && !filename.includes('"')
    ? `filename="${filename}"`
    : `filename*=utf-8''${encodeURIComponent(filename)}`;
}

/** The spec's three parts: `operations` (query + variables), `map`, then the files. */
export function uploadParts(
  query: string,
  variables: Record<string, unknown>,
  map: Record<string, string[]>,
  files: readonly SentFile[],
): SentPart[] {
  return [{ name: "operations", text: JSON.stringify({ query, variables }) }, { name: "map", text: JSON.stringify(map) }, ...files];
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json: { data?: Record<string, unknown> | null; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
}

/** POSTs `body` to a served Trestle over a real connection (with the CSRF header unless `headers` replace it). */
export function postMultipart(
  port: number,
  body: Buffer | AsyncIterable<Buffer>,
  contentType: string,
  headers: Record<string, string> = { "x-trestle-csrf": "1" },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: "127.0.0.1",
        port,
        method: "POST",
        path: "/graphql",
        headers: { "content-type": contentType, accept: "application/graphql-response+json", ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let json: Answer["json"] = {};
          try {
            json = JSON.parse(text) as Answer["json"];
          } catch {
            // not JSON: the test reads `body`
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, json });
        });
      },
    );
    req.on("error", reject);
    if (Buffer.isBuffer(body)) req.end(body);
    else
      void (async () => {
        for await (const chunk of body) if (!req.write(chunk)) await new Promise((r) => req.once("drain", r));
        req.end();
      })().catch(reject);
  });
}

export function sha256(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}
