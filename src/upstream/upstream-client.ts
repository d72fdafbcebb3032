import type { Pool } from "undici";
import { clientClosedRequest } from "../errors.js";
import type { UpstreamRequest } from "./upstream-request.js";
import type { UpstreamPlan } from "../plan/schema-plan.js";
import type { UpstreamFetch } from "./upstream-transport-options.js";
import { Resilience, type AttemptSlot, type UpstreamState } from "./create-resilience.js";
import { runRequestHook, type UpstreamRequestHook } from "./run-request-hook.js";
import { streamUpstream, type StreamBody, type StreamOptions, type UpstreamStream } from "./stream-upstream.js";
import type { ClientSignal } from "./client-signal.js";
import { assertSendableHeaders } from "./assert-sendable-headers.js";
import { createPool } from "./create-pool.js";
import { bufferUpload } from "./buffer-upload.js";
import { openUpstream } from "./open-upstream.js";
import { collectAnswer, type UpstreamResponse } from "./collect-answer.js";
import { classifyUpstreamError } from "./classify-upstream-error.js";
import { upstreamDefaults } from "../plan/upstream-defaults.js";
import { noteResends, withTraceContext } from "../tracing/with-trace-context.js";

export type { UpstreamResponse } from "./collect-answer.js";

/** The app's say in how requests leave: createTrestle's `onUpstreamRequest` and `fetch`. */
export interface UpstreamClientOptions {
  onUpstreamRequest?: UpstreamRequestHook | undefined;
  /** Send with this instead of the pool (no pool is made then). */
  fetch?: UpstreamFetch | undefined;
}

/**
 * One pooled keep-alive HTTP client per upstream (undici's Pool), or the app's own `fetch` when
 * createTrestle was given one. It runs `onUpstreamRequest` right before each send, checks every
 * header value before anything reaches the pool (assertSendableHeaders), never follows
 * redirects, bounds each attempt by `timeoutMs` (from asking for a connection to the last
 * byte) and each answer by `maxResponseBytes`, before and after decompression.
 */
export class UpstreamClient {
  readonly upstream: UpstreamPlan;
  /** The pool, or the app's fetch when createTrestle was given one. */
  readonly #transport: Pool | UpstreamFetch;
  readonly #hook: UpstreamRequestHook | undefined;
  readonly #resilience: Resilience;
  /** The pool of open streams (openStream), made on the first. */
  #streamPool: Pool | undefined;

  constructor(upstream: UpstreamPlan, options: UpstreamClientOptions = {}) {
    this.upstream = upstream;
    this.#hook = options.onUpstreamRequest;
    this.#resilience = new Resilience(upstream.name, upstream.resilience, { timeoutMs: upstream.timeoutMs });
    this.#transport = options.fetch ?? createPool(upstream);
  }

  /**
   * One call: the app's hook, then attempts under the upstream's retries, breaker and
   * concurrency limit. `signal` is the client's: when it aborts, the attempt in progress is
   * aborted (the upstream sees its connection close) and no retry follows. With `overflow`
   * (the passthrough route's reads), an answer too large to keep, or of a streaming media
   * type, comes back still streaming (`streamed`) instead of failing: never requested twice.
   */
  async send(request: UpstreamRequest, signal?: ClientSignal, overflow = false): Promise<UpstreamResponse> {
    if (signal?.aborted) throw clientClosedRequest(this.upstream.name);
    // With an OpenTelemetry SDK registered, the call's own `traceparent` goes along (src/tracing/).
    const traced = withTraceContext(request);
    // The app's hook runs outside the attempt's timeout: it may fetch a token, and it signs
    // exactly the headers and body sent below (the same for every retry).
    const sentHeaders = this.#hook === undefined ? traced.headers : await runRequestHook(this.#hook, traced);
    assertSendableHeaders(sentHeaders, this.upstream.name);
    let attempts = 0;
    try {
      return await this.#resilience.run(
        request.method,
        (slot) => (attempts++, this.#attempt(request, sentHeaders, signal, slot, overflow)),
        {
          signal,
        },
      );
    } finally {
      if (attempts > 1) noteResends(request, attempts - 1);
    }
  }

  /** One attempt in its slot: open, then collect capped and decoded. `slot.signal` aborts at the deadline (`timeoutMs` since it asked for the slot) or when the client goes. */
  async #attempt(
    request: UpstreamRequest,
    sentHeaders: Record<string, string>,
    signal: ClientSignal | undefined,
    slot: AttemptSlot,
    overflow: boolean,
  ): Promise<UpstreamResponse> {
    const { upstream } = this;
    if (signal?.aborted) throw clientClosedRequest(upstream.name);
    const where = `${request.method} ${request.path}`;
    try {
      const answer = await openUpstream(this.#transport, request, sentHeaders, request.body ?? null, slot);
      return await collectAnswer(answer, upstream, request.method, where, overflow);
    } catch (error) {
      throw classifyUpstreamError(error, upstream, { where, timedOut: slot.timedOut, clientGone: signal?.aborted === true });
    }
  }

  /**
   * The passthrough route's call: resolves when the answer's headers arrive, the body still
   * streaming both ways (see streamUpstream). `onUpstreamRequest` runs here too; a streamed body is not in memory, so the hook sees
   * `body: undefined`. A streamed request body is first read up to a bound, with no slot
   * taken (bufferUpload): a body that ends by then is sent whole, as a short call; a longer
   * one is an upload, which takes one of the upload slots too (at most half of them), and
   * goes silent for at most `timeoutMs` between chunks (REQUEST_TIMEOUT, 408).
   */
  async stream(request: UpstreamRequest, body: StreamBody | null, options: StreamOptions): Promise<UpstreamStream> {
    const traced = withTraceContext(request);
    const headers = this.#hook === undefined ? traced.headers : await runRequestHook(this.#hook, traced);
    assertSendableHeaders(options.forwarded === undefined ? headers : { ...headers, ...options.forwarded }, this.upstream.name);
    const upload =
      body === null || typeof body === "string" || body instanceof Uint8Array
        ? undefined
        : await bufferUpload(body, this.upstream, request.headers["content-length"], options);
    const sent = upload === undefined ? body : upload.body;
    // A streamed body cannot be sent twice: the breaker and the concurrency limit apply, retries do not.
    return this.#resilience.run(request.method, () => streamUpstream(this.#transport, this.upstream, request, headers, sent, options), {
      retry: false,
      signal: options.signal,
      upload: upload?.streamed === true,
      deadline: "queue",
    });
  }

  /**
   * A Subscription field's call (`@rest(stream:)`): resolves when the answer's head arrives, its
   * body still streaming (streamUpstream; `timeoutMs` bounds the wait for the head). It goes
   * through the breaker, never retried, outside the `maxConcurrency` slots, on a pool of its own
   * (`maxStreams` connections): the caller counts open streams against `maxStreams`, so 128
   * open token streams never starve short calls. `signal` aborts it, the body included.
   */
  async openStream(request: UpstreamRequest, signal: ClientSignal): Promise<UpstreamStream> {
    const traced = withTraceContext(request);
    const headers = this.#hook === undefined ? traced.headers : await runRequestHook(this.#hook, traced);
    assertSendableHeaders(headers, this.upstream.name);
    const maxStreams = this.upstream.resilience.maxStreams ?? upstreamDefaults.maxStreams;
    const transport =
      typeof this.#transport === "function" ? this.#transport : (this.#streamPool ??= createPool(this.upstream, { maxStreams }));
    const body = request.body ?? null;
    const options = { signal, maxRequestBytes: Number.POSITIVE_INFINITY };
    return this.#resilience.run(request.method, () => streamUpstream(transport, this.upstream, request, headers, body, options), {
      retry: false,
      signal,
      deadline: "queue",
      slots: false,
    });
  }

  /** Whether calls to this upstream are getting through (for `/readyz`): see Resilience.state. */
  get state(): UpstreamState {
    return this.#resilience.state();
  }

  /** Whether this upstream's circuit breaker is open or half-open (for metrics). */
  get breakerOpen(): boolean {
    return this.#resilience.breakerOpen;
  }

  async close(): Promise<void> {
    if (typeof this.#transport !== "function") await Promise.all([this.#transport.close(), this.#streamPool?.close()]);
  }
}
