import type { Readable } from "node:stream";
import type { Answer } from "./answer.js";

/** Statuses whose answers have no body (RFC 9110 §15.3.5, §15.3.6, §15.4.5). */
const nullBodyStatus = new Set([204, 205, 304]);

/**
 * An answer as a WHATWG Response. A Node stream is pulled chunk by chunk as the client reads
 * (no buffering, so a streamed answer passes event by event), and cancelling the Response
 * destroys it (which aborts an upstream call). Throws on what a Response cannot hold (a status
 * outside 200–599, an invalid header value).
 */
export function toResponse(answer: Answer, method: string): Response {
  const headers = toHeaders(answer.headers);
  const { body } = answer;
  if (body === null || typeof body === "string" || body instanceof ReadableStream)
    return new Response(body, { status: answer.status, headers });
  if (method === "HEAD" || nullBodyStatus.has(answer.status)) {
    body.resume();
    return new Response(null, { status: answer.status, headers });
  }
  return new Response(toWebStream(body), { status: answer.status, headers });
}

/** A plain record when no header repeats (the common case), else Headers. */
function toHeaders(record: Answer["headers"]): HeadersInit {
  let headers: Headers | undefined;
  for (const name in record) {
    const value = record[name]!;
    if (typeof value === "string") continue;
    headers ??= new Headers();
    for (const item of value) headers.append(name, item);
  }
  if (headers === undefined) return record as Record<string, string>;
  for (const name in record) {
    const value = record[name]!;
    if (typeof value === "string") headers.set(name, value);
  }
  return headers;
}

/**
 * Not upstream/web-streams.ts's toWebStream: a Response may be cancelled before its first read,
 * when an async iterator's `return()` would end nothing; the Node stream itself is destroyed.
 */
function toWebStream(body: Readable): ReadableStream<Uint8Array> {
  const chunks = body[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const next = await chunks.next();
          if (next.done) controller.close();
          else controller.enqueue(next.value);
        } catch (error) {
          controller.error(error);
        }
      },
      cancel() {
        // The client no longer reads: the upstream body's own abort error has no one to reach.
        body.on("error", () => undefined);
        body.destroy();
      },
    },
    { highWaterMark: 0 },
  );
}
