import type { UpstreamFetch } from "./upstream-transport-options.js";
import type { UpstreamRequest } from "./upstream-request.js";

/** An answer's head and a body to read, in the shape of undici's `Pool.request` result. */
export interface FetchedAnswer {
  statusCode: number;
  headers: Record<string, string>;
  body: AsyncIterable<Buffer> & { destroy(): void };
}

/**
 * One attempt through a WHATWG fetch transport (`createTrestle({ fetch })`) instead of the
 * pool. Redirects are never followed (`redirect: "manual"` hands back the 3xx itself, which
 * the answer mapping refuses), and `signal` carries the attempt's timeout. `fetch` has already
 * decoded any Content-Encoding, so `content-encoding` and `content-length` (which describe the
 * encoded bytes) are left out of the headers: the size cap then applies to decoded bytes.
 */
export async function requestWithFetch(
  fetch: UpstreamFetch,
  request: UpstreamRequest,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<FetchedAnswer> {
  const init: RequestInit = { method: request.method, headers, redirect: "manual", signal };
  if (request.body !== undefined) init.body = request.body;
  const response = await fetch(request.upstream.origin + request.path, init);
  const answerHeaders: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (name === "content-encoding" || name === "content-length") return;
    answerHeaders[name] = answerHeaders[name] === undefined ? value : `${answerHeaders[name]}, ${value}`;
  });
  return { statusCode: response.status, headers: answerHeaders, body: readChunks(response.body) };
}

function readChunks(stream: ReadableStream<Uint8Array> | null): FetchedAnswer["body"] {
  const reader = stream?.getReader();
  return {
    async *[Symbol.asyncIterator]() {
      if (reader === undefined) return;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        yield Buffer.from(value.buffer, value.byteOffset, value.byteLength);
      }
    },
    destroy: () => void reader?.cancel().catch(() => undefined),
  };
}
