import type { Readable } from "node:stream";
import { TrestleError, UpstreamError } from "../errors.js";
import type { ErrorExposurePlan, StreamPlan } from "../plan/schema-plan.js";
import { classifyUpstreamError } from "../upstream/classify-upstream-error.js";
import { ClientGone, type ClientSignal } from "../upstream/client-signal.js";
import type { UpstreamRequest } from "../upstream/upstream-request.js";
import type { UpstreamStream } from "../upstream/stream-upstream.js";
import { readPath } from "../template/parse-template.js";
import { failedAnswer } from "./map-answer.js";
import { jsonContentType } from "./read-error-details.js";
import { readStreamFrames, type StreamFrame } from "./read-stream-frames.js";
import type { SubscriptionStreams } from "./subscription-streams.js";

/** What a subscription yields to graphql-js per event: the payload's value, or the error that ends it. */
export class StreamPayload {
  constructor(
    readonly value: unknown,
    readonly error: TrestleError | undefined = undefined,
  ) {}
}

export interface PayloadStreamInit {
  request: UpstreamRequest;
  plan: StreamPlan;
  errors: ErrorExposurePlan | undefined;
  streams: SubscriptionStreams;
  /** The client's signal: the subscription ends when it aborts. */
  clientSignal: ClientSignal | undefined;
  /** Run before each payload is handed on (a fresh loader set for it). */
  beforePayload: () => void;
}

/** Bytes of a failed answer read for its error (details, debug excerpt). */
const errorBodyBytes = 64 * 1024;
const finished: IteratorResult<StreamPayload> = { value: undefined, done: true };

/**
 * One subscription's payloads, as graphql-js's `subscribe` wants them (an async iterator): ONE
 * upstream call, opened on the first `next()` and read frame by frame as payloads are asked
 * for. Each SSE event's data (or NDJSON line) is JSON; `done` ends it, `event` keeps one name,
 * `select` picks the value. Every failure is one error payload, then the end: the call's error
 * before the first event (UPSTREAM_ERROR with `status`, UPSTREAM_UNAVAILABLE, UPSTREAM_TIMEOUT,
 * UPSTREAM_CIRCUIT_OPEN), a reset mid-stream (UPSTREAM_UNAVAILABLE), a frame that is not JSON
 * (UPSTREAM_BAD_RESPONSE), one over `maxResponseBytes` characters (UPSTREAM_RESPONSE_TOO_LARGE),
 * a silence longer than `timeoutMs` while a payload is awaited (UPSTREAM_TIMEOUT). `return()`
 * (the client left), the client's signal and SubscriptionStreams.close() end it at once: the
 * upstream call is aborted, the budget released. The budget is taken by the caller
 * (SubscriptionStreams.reserve) before this is made, so it is counted at subscribe time.
 */
export class PayloadStream implements AsyncIterableIterator<StreamPayload> {
  readonly #init: PayloadStreamInit;
  readonly #gone = new ClientGone();
  #release: () => void = () => undefined;
  #body: Readable | undefined;
  #opening: Promise<AsyncGenerator<StreamFrame>> | undefined;
  #ended = false;

  readonly #onClientGone = () => this.end();

  constructor(init: PayloadStreamInit) {
    this.#init = init;
    init.clientSignal?.addEventListener("abort", this.#onClientGone, { once: true });
  }

  /** Hands over the budget's release, run when the stream ends. */
  holds(release: () => void): this {
    this.#release = release;
    if (this.#ended || this.#init.clientSignal?.aborted === true) this.end();
    return this;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<StreamPayload>> {
    if (this.#ended) return finished;
    try {
      const value = await this.#nextPayload();
      if (value === undefined) {
        this.end();
        return finished;
      }
      this.#init.beforePayload();
      return { value, done: false };
    } catch (error) {
      if (this.#ended) return finished;
      const { upstream } = this.#init.request;
      const where = `${this.#init.request.method} ${this.#init.request.path}`;
      this.end();
      return {
        value: new StreamPayload(null, classifyUpstreamError(error, upstream, { where, timedOut: false, clientGone: false })),
        done: false,
      };
    }
  }

  async return(): Promise<IteratorResult<StreamPayload>> {
    this.end();
    return finished;
  }

  /** Ends the stream: aborts the upstream call (the upstream sees its connection close) and releases the budget. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    // A WebSocket's signal outlives its subscriptions: do not leave a listener per subscription on it.
    this.#init.clientSignal?.removeEventListener("abort", this.#onClientGone);
    this.#gone.abort();
    this.#body?.destroy();
    this.#release();
  }

  /** The next payload's value, or undefined at the end. */
  async #nextPayload(): Promise<StreamPayload | undefined> {
    const { plan } = this.#init;
    // One upstream call, even if a consumer asked for two payloads at once.
    const frames = await (this.#opening ??= this.#open());
    for (;;) {
      const frame = await this.#read(frames);
      if (frame === undefined || this.#ended) return undefined;
      const raw = plan.format === "NDJSON" ? frame.data.trim() : frame.data;
      if (plan.done !== undefined && raw === plan.done) return undefined;
      if (plan.event !== undefined && frame.event !== plan.event) continue;
      let data: unknown;
      try {
        data = JSON.parse(raw);
      } catch (error) {
        throw this.#badFrame(raw, error);
      }
      return new StreamPayload(plan.select === undefined ? data : (readPath(data, plan.select) ?? null));
    }
  }

  async #open(): Promise<AsyncGenerator<StreamFrame>> {
    const { request, streams, plan, errors } = this.#init;
    const answer = await streams.open(request, this.#gone);
    this.#body = answer.body;
    if (this.#ended) answer.body.destroy();
    if (answer.status < 200 || answer.status >= 300) throw failedAnswer(await readErrorAnswer(answer), request, errors);
    // An SSE endpoint that answered one JSON document (a server that ignored `"stream": true`)
    // holds no events: say so rather than end without a payload.
    const type = headerText(answer.headers["content-type"]);
    if (plan.format === "SSE" && jsonContentType.test(type)) {
      const excerpt = (await readErrorAnswer(answer)).body.subarray(0, 1024).toString("utf8");
      throw new UpstreamError(
        "UPSTREAM_BAD_RESPONSE",
        request.upstream.name,
        `Upstream "${request.upstream.name}" answered ${type.split(";")[0]}, not a stream of server-sent events.`,
        { status: answer.status, debug: { request: `${request.method} ${request.path}`, body: excerpt } },
      );
    }
    const encoding = headerText(answer.headers["content-encoding"]);
    if (encoding !== "" && encoding !== "identity") {
      throw new UpstreamError(
        "UPSTREAM_BAD_RESPONSE",
        request.upstream.name,
        `Upstream "${request.upstream.name}" sent a stream with Content-Encoding "${encoding}"; a stream is asked for with Accept-Encoding: identity.`,
      );
    }
    const max = request.upstream.maxResponseBytes;
    return readStreamFrames(answer.body, plan.format, max, () => this.#tooLarge(max));
  }

  /** The next frame, or an UPSTREAM_TIMEOUT once the upstream has been silent for `timeoutMs`. */
  #read(frames: AsyncGenerator<StreamFrame>): Promise<StreamFrame | undefined> {
    const { upstream } = this.#init.request;
    const next = frames.next();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        next.catch(() => undefined);
        this.#body?.destroy();
        reject(
          new UpstreamError(
            "UPSTREAM_TIMEOUT",
            upstream.name,
            `Upstream "${upstream.name}" sent nothing on the stream for ${upstream.timeoutMs} ms.`,
          ),
        );
      }, upstream.timeoutMs);
      next.then(
        (result) => {
          clearTimeout(timer);
          resolve(result.done === true ? undefined : result.value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  #badFrame(raw: string, error: unknown): UpstreamError {
    const { upstream, method, path } = this.#init.request;
    const what = this.#init.plan.format === "SSE" ? "an event whose data" : "a line that";
    return new UpstreamError("UPSTREAM_BAD_RESPONSE", upstream.name, `Upstream "${upstream.name}" streamed ${what} is not JSON.`, {
      cause: error,
      debug: { request: `${method} ${path}`, body: raw.slice(0, 1024) },
    });
  }

  #tooLarge(max: number): UpstreamError {
    const { upstream } = this.#init.request;
    const what = this.#init.plan.format === "SSE" ? "an event" : "a line";
    return new UpstreamError(
      "UPSTREAM_RESPONSE_TOO_LARGE",
      upstream.name,
      `Upstream "${upstream.name}" streamed ${what} longer than ${max} characters (its maxResponseBytes).`,
    );
  }
}

/** A failed answer's head and the start of its body, as failedAnswer reads them. */
async function readErrorAnswer(answer: UpstreamStream) {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of answer.body as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      size += chunk.byteLength;
      if (size >= errorBodyBytes) break;
    }
  } catch {
    // the status is what counts; a body cut short shows what arrived
  } finally {
    answer.body.destroy();
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(answer.headers)) if (value !== undefined) headers[name] = headerText(value);
  return { status: answer.status, headers, body: Buffer.concat(chunks).subarray(0, errorBodyBytes) };
}

function headerText(value: string | string[] | undefined): string {
  return Array.isArray(value) ? value.join(", ") : (value ?? "");
}
