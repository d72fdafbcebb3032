import { BadUserInputError, TrestleError, clientClosedRequest } from "../errors.js";
import type { UpstreamPlan } from "../plan/schema-plan.js";
import type { StreamBody, StreamOptions } from "./stream-upstream.js";
import type { ClientSignal } from "./client-signal.js";

/**
 * Bytes of a streamed request body read before any connection is taken. A body that ends
 * within them is sent whole, like a GraphQL call; past them it is an upload (see
 * UpstreamClient.stream). The same bound as bodies with a Content-Length read whole by the
 * passthrough handler before (64 KiB, like nginx's client_body_buffer_size), per request.
 */
export const bufferedUploadBytes = 64 * 1024;

export interface BufferedUpload {
  /** The whole body, or what was read followed by the rest as it arrives. */
  body: StreamBody;
  /** Whether the body goes on past `bufferedUploadBytes` (an upload, streamed while sent). */
  streamed: boolean;
}

/**
 * Reads a request body up to `bufferedUploadBytes`, holding no connection meanwhile (F7: a
 * slow or stalled upload used to take a connection at its first byte, and keep it until
 * the server's own request timeout). Every silence between chunks is bounded by the
 * upstream's `timeoutMs` (REQUEST_TIMEOUT), here and for the rest of a streamed body; the
 * size cap is `maxRequestBytes`, and a body longer than its Content-Length is refused.
 */
export async function bufferUpload(
  source: AsyncIterable<Uint8Array>,
  upstream: UpstreamPlan,
  contentLength: string | undefined,
  options: StreamOptions,
): Promise<BufferedUpload> {
  const chunks = withIdleTimeout(source, upstream, options.signal);
  const declared = contentLength === undefined ? undefined : Number(contentLength);
  const read: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const next = await chunks.next();
    // Framing as the client chose it: a body without a Content-Length still goes chunked.
    if (next.done)
      return { body: declared === undefined ? replay(read) : read.length === 1 ? read[0]! : Buffer.concat(read, size), streamed: false };
    size += next.value.byteLength;
    if (size > options.maxRequestBytes) {
      void chunks.return(undefined);
      throw new TrestleError(
        "REQUEST_TOO_LARGE",
        `The request body is larger than ${options.maxRequestBytes} bytes, the limit for upstream "${upstream.name}".`,
        { extensions: { upstream: upstream.name } },
      );
    }
    if (declared !== undefined && size > declared) {
      void chunks.return(undefined);
      throw new BadUserInputError("The request body is longer than its Content-Length.");
    }
    read.push(next.value);
    if (size > bufferedUploadBytes) return { body: resume(read, chunks), streamed: true };
  }
}

async function* replay(read: Uint8Array[]): AsyncGenerator<Uint8Array> {
  yield* read;
}

async function* resume(read: Uint8Array[], rest: AsyncGenerator<Uint8Array>): AsyncGenerator<Uint8Array> {
  yield* read;
  yield* rest;
}

/**
 * `source`'s chunks, failing with REQUEST_TIMEOUT when none arrives for the upstream's
 * `timeoutMs`, or with CLIENT_CLOSED_REQUEST when `signal` aborts. A read left pending by
 * either is abandoned, not awaited: the client's connection ends it.
 */
export async function* withIdleTimeout(
  source: AsyncIterable<Uint8Array>,
  upstream: UpstreamPlan,
  signal: ClientSignal | undefined,
): AsyncGenerator<Uint8Array> {
  const iterator = source[Symbol.asyncIterator]();
  let settled = false;
  try {
    for (;;) {
      const next = await nextWithin(iterator, upstream, signal);
      if (next.done) {
        settled = true;
        return;
      }
      yield next.value;
    }
  } finally {
    if (!settled) void iterator.return?.()?.catch(() => undefined);
  }
}

function nextWithin(
  iterator: AsyncIterator<Uint8Array>,
  upstream: UpstreamPlan,
  signal: ClientSignal | undefined,
): Promise<IteratorResult<Uint8Array>> {
  if (signal?.aborted) return Promise.reject(clientClosedRequest(upstream.name));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      reject(
        new TrestleError(
          "REQUEST_TIMEOUT",
          `The request body sent nothing for ${upstream.timeoutMs} ms (the timeoutMs of upstream "${upstream.name}"); the request was abandoned.`,
          { extensions: { upstream: upstream.name } },
        ),
      );
    }, upstream.timeoutMs);
    const onAbort = () => {
      clearTimeout(timer);
      reject(clientClosedRequest(upstream.name));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    iterator.next().then(
      (next) => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        resolve(next);
      },
      (error: unknown) => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
