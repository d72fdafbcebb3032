import type { Readable } from "node:stream";
import type { PassthroughAnswer } from "./passthrough-exchange.js";

/** Statuses whose answers have no body (RFC 9110 §15.3.5, §15.3.6, §15.4.5). */
const nullBodyStatus = new Set([204, 205, 304]);

/**
 * An answer as a WHATWG Response. The upstream body is pulled chunk by chunk as the client
 * reads (no buffering, so a streamed answer passes event by event), and cancelling the
 * Response aborts the upstream call. Throws on what a Response cannot hold (a status
 * outside 200–599, an invalid header value); the caller answers 502 then.
 */
export function toFetchResponse(answer: PassthroughAnswer, method: string): Response {
  const headers = new Headers();
  for (const name in answer.headers) {
    const value = answer.headers[name]!;
    if (typeof value === "string") headers.set(name, value);
    else for (const item of value) headers.append(name, item);
  }
  const { body } = answer;
  if (body === null || typeof body === "string") return new Response(body, { status: answer.status, headers });
  if (method === "HEAD" || nullBodyStatus.has(answer.status)) {
    body.resume();
    return new Response(null, { status: answer.status, headers });
  }
  return new Response(toWebStream(body), { status: answer.status, headers });
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
