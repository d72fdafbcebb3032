import type { Readable } from "node:stream";
import type { UpstreamRequest } from "./upstream-request.js";
import { TrestleError } from "../errors.js";
import type { UpstreamPlan } from "../plan/schema-plan.js";
import { classifyUpstreamError } from "./classify-upstream-error.js";
import { openUpstream, type OpenedAnswer, type StreamBody, type UpstreamTransport } from "./open-upstream.js";
import { createAbortSource, type AbortSource } from "./settle-by-signal.js";
import type { ClientSignal } from "./client-signal.js";

export type { StreamBody } from "./open-upstream.js";

/** An upstream's answer whose body is still arriving (the passthrough route's): see OpenedAnswer. */
export type UpstreamStream = OpenedAnswer;

export interface StreamOptions {
  /** Headers about this hop (X-Forwarded-*, Forwarded): sent, but not part of what identifies the request. */
  forwarded?: Readonly<Record<string, string>>;
  /** Aborts the call, e.g. when the client goes away. */
  signal?: ClientSignal | undefined;
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
  transport: UpstreamTransport,
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
    const answer = await openUpstream(transport, request, sent, payload, deadline);
    deadline.settle(answer.body);
    return answer;
  } catch (error) {
    deadline.settle(undefined);
    throw classifyUpstreamError(error, upstream, {
      where: `${request.method} ${request.path}`,
      timedOut: deadline.timedOut,
      clientGone: signal?.aborted === true,
    });
  }
}

interface Deadline extends AbortSource {
  timedOut: boolean;
  start(): void;
  /** Stops the clock; the link to the caller's signal lasts as long as the answer's body. */
  settle(body: Readable | undefined): void;
}

/** An abort signal that fires `ms` after `start()`, or when `outer` does. */
function createDeadline(ms: number, outer: ClientSignal | undefined): Deadline {
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

function requestTooLarge(upstream: string, max: number): TrestleError {
  return new TrestleError("REQUEST_TOO_LARGE", `The request body is larger than ${max} bytes, the limit for upstream "${upstream}".`, {
    extensions: { upstream },
  });
}
