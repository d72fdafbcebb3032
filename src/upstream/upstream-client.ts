import { promisify } from "node:util";
import { brotliDecompress, gunzip, inflate } from "node:zlib";
import type { Pool } from "undici";
import { UpstreamError, clientClosedRequest } from "../errors.js";
import type { UpstreamRequest } from "./upstream-request.js";
import type { UpstreamPlan } from "../plan/schema-plan.js";
import type { UpstreamFetch } from "./upstream-transport-options.js";
import { requestWithFetch } from "./request-with-fetch.js";
import { Resilience, type AttemptSlot, type UpstreamState } from "./create-resilience.js";
import { runRequestHook, type UpstreamRequestHook } from "./run-request-hook.js";
import { streamUpstream, type StreamBody, type StreamOptions, type UpstreamStream } from "./stream-upstream.js";
import type { ClientSignal } from "./client-signal.js";
import { assertSendableHeaders } from "./assert-sendable-headers.js";
import { createPool } from "./create-pool.js";
import { settleBySignal } from "./settle-by-signal.js";
import { isRefusedBeforeSending, refusedBeforeSending } from "./refused-before-sending.js";
import { bufferUpload } from "./buffer-upload.js";

/** The app's say in how requests leave: createTrestle's `onUpstreamRequest` and `fetch`. */
export interface UpstreamClientOptions {
  onUpstreamRequest?: UpstreamRequestHook | undefined;
  /** Send with this instead of the pool (no pool is made then). */
  fetch?: UpstreamFetch | undefined;
}

/** An upstream's answer, read whole and decoded (never more than `maxResponseBytes`). */
export interface UpstreamResponse {
  status: number;
  /** Lower-case names; repeated headers joined with ", " (Set-Cookie kept as a list elsewhere). */
  headers: Record<string, string>;
  body: Buffer;
}

const decoders: Record<string, (buffer: Buffer, options: { maxOutputLength: number }) => Promise<Buffer>> = {
  gzip: promisify(gunzip),
  "x-gzip": promisify(gunzip),
  deflate: promisify(inflate),
  br: promisify(brotliDecompress),
};

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

  constructor(upstream: UpstreamPlan, options: UpstreamClientOptions = {}) {
    this.upstream = upstream;
    this.#hook = options.onUpstreamRequest;
    this.#resilience = new Resilience(upstream.name, upstream.resilience, { timeoutMs: upstream.timeoutMs });
    this.#transport = options.fetch ?? createPool(upstream);
  }

  /**
   * One call: the app's hook, then attempts under the upstream's retries, breaker and
   * concurrency limit. `signal` is the client's: when it aborts, the attempt in progress is
   * aborted (the upstream sees its connection close) and no retry follows.
   */
  async send(request: UpstreamRequest, signal?: ClientSignal): Promise<UpstreamResponse> {
    if (signal?.aborted) throw clientClosedRequest(this.upstream.name);
    // The app's hook runs outside the attempt's timeout: it may fetch a token, and it signs
    // exactly the headers and body sent below (the same for every retry).
    const sentHeaders = this.#hook === undefined ? request.headers : await runRequestHook(this.#hook, request);
    assertSendableHeaders(sentHeaders, this.upstream.name);
    return this.#resilience.run(request.method, (slot) => this.#attempt(request, sentHeaders, signal, slot), { signal });
  }

  /** One attempt in its slot: `slot.signal` aborts at the deadline (`timeoutMs` since it asked for the slot) or when the client goes. */
  async #attempt(request: UpstreamRequest, sentHeaders: Record<string, string>, signal: ClientSignal | undefined, slot: AttemptSlot): Promise<UpstreamResponse> {
    const { upstream } = this;
    if (signal?.aborted) throw clientClosedRequest(upstream.name);
    const where = `${request.method} ${request.path}`;
    try {
      const transport = this.#transport;
      const answer = typeof transport === "function"
        ? await requestWithFetch(transport, request, sentHeaders, slot.signal)
        : await settleBySignal(
            transport.request({
              method: request.method,
              path: request.path,
              headers: sentHeaders,
              body: request.body ?? null,
              signal: slot.signal,
            }),
            slot,
          );
      const body = await readCapped(answer.body, upstream.maxResponseBytes, upstream.name, where);
      const headers = flattenHeaders(answer.headers);
      const decoded = await decode(body, headers["content-encoding"], upstream, where);
      return { status: answer.statusCode, headers, body: decoded };
    } catch (error) {
      if (error instanceof UpstreamError) throw error;
      const { timedOut } = slot;
      if (signal?.aborted && !timedOut) throw clientClosedRequest(upstream.name, error);
      if (isRefusedBeforeSending(error)) throw refusedBeforeSending(upstream.name, where, error);
      if (timedOut) {
        throw new UpstreamError("UPSTREAM_TIMEOUT", upstream.name, `Upstream "${upstream.name}" did not answer within ${upstream.timeoutMs} ms.`, {
          cause: error,
          debug: { request: where },
        });
      }
      throw new UpstreamError("UPSTREAM_UNAVAILABLE", upstream.name, `Upstream "${upstream.name}" is unavailable.`, {
        cause: error,
        debug: { request: where, reason: describe(error) },
      });
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
    const headers = this.#hook === undefined ? request.headers : await runRequestHook(this.#hook, request);
    assertSendableHeaders(options.forwarded === undefined ? headers : { ...headers, ...options.forwarded }, this.upstream.name);
    const upload = body === null || typeof body === "string" || body instanceof Uint8Array ? undefined : await bufferUpload(body, this.upstream, request.headers["content-length"], options);
    const sent = upload === undefined ? body : upload.body;
    // A streamed body cannot be sent twice: the breaker and the concurrency limit apply, retries do not.
    return this.#resilience.run(
      request.method,
      () => streamUpstream(this.#transport, this.upstream, request, headers, sent, options),
      { retry: false, signal: options.signal, upload: upload?.streamed === true, deadline: "queue" },
    );
  }

  /** Whether calls to this upstream are getting through (for `/readyz`): see Resilience.state. */
  get state(): UpstreamState {
    return this.#resilience.state();
  }

  /** Whether this upstream's circuit breaker is open or half-open (for metrics). */
  get breakerOpen(): boolean {
    return this.#resilience.breakerOpen;
  }

  close(): Promise<void> {
    return typeof this.#transport === "function" ? Promise.resolve() : this.#transport.close();
  }
}

async function readCapped(body: AsyncIterable<Buffer> & { destroy(error?: Error): void }, max: number, upstream: string, where: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > max) {
      body.destroy();
      throw tooLarge(upstream, max, where);
    }
    chunks.push(chunk);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
}

async function decode(body: Buffer, encoding: string | undefined, upstream: UpstreamPlan, where: string): Promise<Buffer> {
  if (encoding === undefined || encoding === "identity" || body.length === 0) return body;
  const decoder = decoders[encoding.trim().toLowerCase()];
  if (decoder === undefined) {
    throw new UpstreamError("UPSTREAM_BAD_RESPONSE", upstream.name, `Upstream "${upstream.name}" answered with unsupported Content-Encoding "${encoding}".`, { debug: { request: where } });
  }
  try {
    return await decoder(body, { maxOutputLength: upstream.maxResponseBytes });
  } catch (error) {
    if (error instanceof RangeError || (error as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") throw tooLarge(upstream.name, upstream.maxResponseBytes, where);
    throw new UpstreamError("UPSTREAM_BAD_RESPONSE", upstream.name, `Upstream "${upstream.name}" sent a body that does not decode as ${encoding}.`, { cause: error, debug: { request: where } });
  }
}

function tooLarge(upstream: string, max: number, where: string): UpstreamError {
  return new UpstreamError("UPSTREAM_RESPONSE_TOO_LARGE", upstream, `Upstream "${upstream}" answered with more than ${max} bytes.`, { debug: { request: where } });
}

function flattenHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return headers;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  return code ? `${code}: ${error.message}` : error.message;
}
