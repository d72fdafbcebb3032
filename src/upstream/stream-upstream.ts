import { Readable } from "node:stream";
import type { Pool } from "undici";
import type { UpstreamFetch } from "./upstream-transport-options.js";
import type { UpstreamRequest } from "./upstream-request.js";
import { BadUserInputError, TrestleError, UpstreamError, clientClosedRequest } from "../errors.js";
import type { UpstreamPlan } from "../plan/schema-plan.js";
import { isRefusedBeforeSending, refusedBeforeSending } from "./refused-before-sending.js";
import { createAbortSource, settleBySignal, type AbortSource } from "./settle-by-signal.js";

/** A request body for `stream`: chunks as they arrive, or bytes already in memory. */
export type StreamBody = AsyncIterable<Uint8Array> | Uint8Array | string;

/** An upstream's answer whose body is still arriving (the passthrough route's). */
export interface UpstreamStream {
  status: number;
  /** Lower-case names, as the upstream sent them; repeated headers (Set-Cookie) as lists. */
  headers: Record<string, string | string[] | undefined>;
  /** The bytes as sent (through the pool, Content-Encoding is passed on, never applied). Destroy it to abort the call. */
  body: Readable;
}

export interface StreamOptions {
  /** Headers about this hop (X-Forwarded-*, Forwarded): sent, but not part of what identifies the request. */
  forwarded?: Readonly<Record<string, string>>;
  /** Aborts the call, e.g. when the client goes away. */
  signal?: AbortSignal | undefined;
  /** Largest request body sent; past it the call fails with `REQUEST_TOO_LARGE`. */
  maxRequestBytes: number;
}

/**
 * Sends one request and resolves as soon as the answer's headers arrive, its body still
 * streaming (UpstreamClient.stream). The request body streams too, counted against
 * `maxRequestBytes`. `timeoutMs` bounds the wait for the headers once the request body has
 * been handed over, then (through the pool) each silence between body chunks, undici's
 * `bodyTimeout` — not the whole answer: a server-sent-events answer may run as long as it
 * keeps sending. Redirects are never followed.
 */
export async function streamUpstream(
  transport: Pool | UpstreamFetch,
  upstream: UpstreamPlan,
  request: UpstreamRequest,
  headers: Record<string, string>,
  body: StreamBody | null,
  options: StreamOptions,
): Promise<UpstreamStream> {
  const { signal, forwarded, maxRequestBytes } = options;
  const sent = forwarded === undefined ? headers : { ...headers, ...forwarded };
  const inMemory = body === null || typeof body === "string" || body instanceof Uint8Array;
  if (inMemory && body !== null && Buffer.byteLength(body) > maxRequestBytes) throw requestTooLarge(upstream.name, maxRequestBytes);
  // With the body in memory (or none), the deadline starts now: it bounds the wait for the
  // answer's headers, a wait in undici's own queue included (undici's headersTimeout starts
  // only once a connection has the request, and it ignores an abort before that). A streamed
  // body may take longer to arrive than timeoutMs, and undici's timer does not cover a request
  // still being written: then the deadline starts at its last chunk.
  const deadline = createDeadline(upstream.timeoutMs, signal);
  const payload = inMemory ? body : countBody(body, maxRequestBytes, upstream.name, deadline.start);
  if (inMemory) deadline.start();
  try {
    const answer =
      typeof transport === "function"
        ? await fetchStream(transport, upstream, request, sent, payload, deadline.signal)
        : await settleBySignal(
            transport.request({
              method: request.method,
              path: request.path,
              headers: sent,
              // undici sends any (async) iterable as a stream; its types only name Readable.
              body: payload as Readable | string | Uint8Array | null,
              signal: deadline.signal,
              headersTimeout: upstream.timeoutMs,
              bodyTimeout: upstream.timeoutMs,
            }),
            deadline,
          );
    deadline.settle(answer.body);
    return { status: answer.statusCode, headers: answer.headers, body: answer.body };
  } catch (error) {
    deadline.settle(undefined);
    const { timedOut } = deadline;
    throw signal?.aborted && !timedOut ? clientClosedRequest(upstream.name, error) : classifyError(error, upstream, request, timedOut);
  }
}

interface Deadline extends AbortSource {
  timedOut: boolean;
  start(): void;
  /** Stops the clock; the link to the caller's signal lasts as long as the answer's body. */
  settle(body: Readable | undefined): void;
}

/** An abort signal that fires `ms` after `start()`, or when `outer` does. */
function createDeadline(ms: number, outer: AbortSignal | undefined): Deadline {
  const controller = createAbortSource();
  const onAbort = () => controller.abort();
  if (outer?.aborted) onAbort();
  else outer?.addEventListener("abort", onAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const deadline: Deadline = {
    signal: controller.signal,
    onAbort: controller.onAbort,
    timedOut: false,
    start: () => {
      timer = setTimeout(() => {
        deadline.timedOut = true;
        controller.abort();
      }, ms);
    },
    settle: (body) => {
      clearTimeout(timer);
      if (outer === undefined) return;
      if (body === undefined) outer.removeEventListener("abort", onAbort);
      else body.once("close", () => outer.removeEventListener("abort", onAbort));
    },
  };
  return deadline;
}

/** Passes a request body on chunk by chunk, counting; `onEnd` runs once the last chunk is handed over. */
async function* countBody(source: AsyncIterable<Uint8Array>, max: number, upstream: string, onEnd: () => void): AsyncGenerator<Uint8Array> {
  let size = 0;
  for await (const chunk of source) {
    size += chunk.byteLength;
    if (size > max) throw requestTooLarge(upstream, max);
    yield chunk;
  }
  onEnd();
}

/**
 * Through the app's fetch (`createTrestle({ fetch })`): the body goes as a half-duplex stream;
 * fetch has decoded any Content-Encoding, so `content-encoding` and `content-length` (which
 * describe the encoded bytes) are left out.
 */
async function fetchStream(
  fetch: UpstreamFetch,
  upstream: UpstreamPlan,
  request: UpstreamRequest,
  headers: Record<string, string>,
  body: StreamBody | null,
  signal: AbortSignal,
): Promise<{ statusCode: number; headers: Record<string, string | string[]>; body: Readable }> {
  const init: RequestInit & { duplex?: "half" } = { method: request.method, headers, redirect: "manual", signal };
  if (body !== null) {
    init.body =
      typeof body === "string" ? body : body instanceof Uint8Array ? new Uint8Array(body.buffer as ArrayBuffer, body.byteOffset, body.byteLength) : toWebStream(body);
    init.duplex = "half";
  }
  const response = await fetch(upstream.origin + request.path, init);
  const answerHeaders: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name !== "content-encoding" && name !== "content-length" && name !== "set-cookie") answerHeaders[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) answerHeaders["set-cookie"] = cookies;
  return { statusCode: response.status, headers: answerHeaders, body: response.body === null ? Readable.from([]) : Readable.from(readChunks(response.body)) };
}

function toWebStream(source: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const iterator = source[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await iterator.next();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}

async function* readChunks(stream: ReadableStream<Uint8Array>): AsyncGenerator<Buffer> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    }
  } finally {
    reader.releaseLock();
  }
}

function classifyError(error: unknown, upstream: UpstreamPlan, request: UpstreamRequest, timedOut: boolean): TrestleError {
  if (error instanceof TrestleError) return error;
  const where = `${request.method} ${request.path}`;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "UND_ERR_REQ_CONTENT_LENGTH_MISMATCH") return new BadUserInputError("The request body does not match its Content-Length.", { cause: error });
  if (isRefusedBeforeSending(error)) return refusedBeforeSending(upstream.name, where, error);
  if (timedOut || code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_CONNECT_TIMEOUT") {
    return new UpstreamError("UPSTREAM_TIMEOUT", upstream.name, `Upstream "${upstream.name}" did not answer within ${upstream.timeoutMs} ms.`, { cause: error, debug: { request: where } });
  }
  const reason = error instanceof Error ? (code === undefined ? error.message : `${code}: ${error.message}`) : String(error);
  return new UpstreamError("UPSTREAM_UNAVAILABLE", upstream.name, `Upstream "${upstream.name}" is unavailable.`, { cause: error, debug: { request: where, reason } });
}

function requestTooLarge(upstream: string, max: number): TrestleError {
  return new TrestleError("REQUEST_TOO_LARGE", `The request body is larger than ${max} bytes, the limit for upstream "${upstream}".`, { extensions: { upstream } });
}
