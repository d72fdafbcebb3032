import { TrestleError, UpstreamError } from "../errors.js";
import type { ErrorExposurePlan, PollPlan } from "../plan/schema-plan.js";
import { readPath } from "../template/parse-template.js";
import { classifyUpstreamError } from "../upstream/classify-upstream-error.js";
import { ClientGone, type ClientSignal } from "../upstream/client-signal.js";
import type { UpstreamRequest } from "../upstream/upstream-request.js";
import type { UpstreamResponse } from "../upstream/upstream-client.js";
import { failedAnswer, readJsonAnswer } from "./map-answer.js";
import { StreamPayload } from "./payload-stream.js";
import { maxPollFailures, nextPollDelay } from "./poll-delay.js";
import type { PollSubscriber } from "./poll-subscriber.js";
import { stableJson } from "./stable-json.js";

export interface PollLoopInit {
  plan: PollPlan;
  /** "Subscription.run", for messages. */
  coordinate: string;
  request: UpstreamRequest;
  select: string[] | undefined;
  errors: ErrorExposurePlan | undefined;
  /** One read through the pipeline (cache, coalescing, retries, breaker); `signal` abandons it. */
  read: (signal: ClientSignal) => Promise<UpstreamResponse>;
  /** Run once when the loop stops, whatever the reason (the registry forgets it). */
  onStop: () => void;
}

/** Statuses that say the run cannot be read now but may be later: counted as failures, not final. */
const transientStatus = new Set([408, 425, 429]);

/**
 * One polling loop: the read of one `@rest(poll:)` field with one set of inputs (one cache key,
 * identity included), shared by every subscriber of that read. It reads at once, then again
 * after each answer at the pace nextPollDelay allows; it publishes the value the field resolves
 * to (after `select`) whenever its stable JSON differs from the last one published, and ends
 * after the value whose `until.path` is in `until.in`. A final failure (a 404, another 4xx but
 * 408/425/429, a request refused before sending) or `maxPollFailures` consecutive failed reads
 * publish one error payload and end it. It stops when its last subscriber leaves: the timer is
 * cleared and a read in flight abandoned (the pipeline still finishes it for other callers).
 */
export class PollLoop {
  readonly #init: PollLoopInit;
  readonly #subscribers = new Set<PollSubscriber>();
  #latest: StreamPayload | undefined;
  #latestJson: string | undefined;
  #failures = 0;
  #timer: NodeJS.Timeout | undefined;
  #inFlight: ClientGone | undefined;
  #stopped = false;
  #reads = 0;

  constructor(init: PollLoopInit) {
    this.#init = init;
  }

  get subscribers(): number {
    return this.#subscribers.size;
  }

  /** Reads made so far (tests and the bench count them). */
  get reads(): number {
    return this.#reads;
  }

  /** Adds a subscriber: it gets the latest payload at once; the first one starts the loop. */
  join(subscriber: PollSubscriber): void {
    if (this.#stopped) {
      subscriber.finish();
      return;
    }
    const first = this.#subscribers.size === 0 && this.#reads === 0 && this.#inFlight === undefined;
    this.#subscribers.add(subscriber);
    subscriber.onLeave(() => this.#leave(subscriber));
    if (this.#latest !== undefined) subscriber.push(this.#latest);
    if (first) void this.#tick();
  }

  /** Ends the loop: every subscriber completes after the payloads it was given. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#inFlight?.abort();
    for (const subscriber of [...this.#subscribers]) subscriber.finish();
    this.#init.onStop();
  }

  #leave(subscriber: PollSubscriber): void {
    this.#subscribers.delete(subscriber);
    if (this.#subscribers.size === 0) this.stop();
  }

  #publish(payload: StreamPayload): void {
    this.#latest = payload;
    for (const subscriber of this.#subscribers) subscriber.push(payload);
  }

  async #tick(): Promise<void> {
    this.#timer = undefined;
    const gone = (this.#inFlight = new ClientGone());
    this.#reads += 1;
    const { plan, request, errors, select } = this.#init;
    let response: UpstreamResponse | undefined;
    try {
      response = await this.#init.read(gone);
      if (this.#stopped) return;
      const answer = readJsonAnswer(response, request, errors);
      if (answer.notFound) throw failedAnswer(response, request, errors, ` for ${this.#init.coordinate}`);
      this.#failures = 0;
      const value = select === undefined ? answer.data : (readPath(answer.data, select) ?? null);
      const json = stableJson(value);
      if (json !== this.#latestJson) {
        this.#latestJson = json;
        this.#publish(new StreamPayload(value));
      }
      if (this.#isLast(value)) return this.stop();
    } catch (error) {
      if (this.#stopped) return;
      const failure = this.#classify(error);
      this.#failures += 1;
      if (isFinal(failure) || this.#failures >= maxPollFailures) {
        this.#publish(new StreamPayload(null, failure));
        return this.stop();
      }
    } finally {
      if (this.#inFlight === gone) this.#inFlight = undefined;
    }
    const delay = nextPollDelay(plan.everyMs, response?.headers, response?.status, this.#failures, request.upstream.resilience.backoffMs);
    this.#timer = setTimeout(() => void this.#tick(), delay);
  }

  #isLast(value: unknown): boolean {
    const until = this.#init.plan.until;
    if (until === undefined) return false;
    const at = readPath(value, until.path);
    if (typeof at !== "string" && typeof at !== "number" && typeof at !== "boolean") return false;
    return until.in.includes(String(at));
  }

  #classify(error: unknown): TrestleError {
    const { request } = this.#init;
    return classifyUpstreamError(error, request.upstream, {
      where: `${request.method} ${request.path}`,
      timedOut: false,
      clientGone: false,
    });
  }
}

/** A failure that repeating the read will not mend: the run is not there, or the request is refused. */
function isFinal(error: TrestleError): boolean {
  if (error instanceof UpstreamError && error.code === "UPSTREAM_ERROR") {
    const status = error.status ?? 0;
    return status >= 400 && status < 500 && !transientStatus.has(status);
  }
  return error.code === "BAD_USER_INPUT" || error.code === "UPSTREAM_URL_REJECTED" || error.code === "UPSTREAM_REQUEST_INVALID";
}
