import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  SamplingBreaker,
  circuitBreaker,
  handleWhen,
  type CircuitBreakerPolicy,
} from "cockatiel";
import { UpstreamError, clientClosedRequest } from "../errors.js";
import type { HttpMethod, ResiliencePlan } from "../plan/schema-plan.js";
import { upstreamDefaults } from "../plan/upstream-defaults.js";
import type { ClientSignal } from "./client-signal.js";
import { SlotRefused, Slots } from "./create-slots.js";
import { createAbortSource, type AbortSource } from "./settle-by-signal.js";

/** What the time limits need of an upstream besides its ResiliencePlan. */
export interface ResilienceOptions {
  /**
   * The upstream's `timeoutMs`: an attempt's deadline, counted from the moment it asks for a
   * slot. Without it (tests that drive Resilience alone), waits and attempts are unbounded.
   */
  timeoutMs?: number | undefined;
}

/** One attempt's deadline, given with its slot: `signal` aborts at the deadline, or when the caller's signal does. */
export interface AttemptSlot extends AbortSource {
  /** Whether the deadline (not the caller) aborted `signal`. */
  readonly timedOut: boolean;
}

/** Whether an upstream is serving: see Resilience.state. */
export type UpstreamState = "ok" | "stuck";

/** What an attempt produced, as far as retries and the breaker care. */
export interface AttemptOutcome {
  status: number;
  /** A body still arriving, destroyed when the outcome is dropped for a retry. */
  streamed?: { body: { destroy(): void } } | undefined;
  headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** The options of every `abort` listener added here (one object, not one per call). */
const once = { once: true } as const;
/** RFC 9110 §9.2.2: methods whose repetition has the effect of one request. */
const idempotent = new Set<HttpMethod>(["GET", "HEAD", "OPTIONS", "PUT", "DELETE"]);
const retryableStatus = new Set([429, 502, 503, 504]);
/** Retry budget: each call earns `retryBudgetRatio` retries, up to `retryBudgetMax` banked; a retry spends 1. */
const { maxBackoffMs, retryBudgetRatio: budgetRatio, retryBudgetMax: budgetMax } = upstreamDefaults;

/**
 * Retries, a circuit breaker and a concurrency limit around one upstream's attempts.
 * The breaker (cockatiel) counts calls, not attempts: a call fails when its last attempt was
 * a connection error, a timeout or a 5xx answer; while it is open, calls fail at once with
 * UPSTREAM_CIRCUIT_OPEN. A call refused before anything was sent (UPSTREAM_REQUEST_INVALID,
 * BAD_USER_INPUT) says nothing of the upstream and is neither retried nor counted. Each
 * attempt takes one of `maxConcurrency` slots (Slots, one per pool connection); when the
 * queue is full the call fails with UPSTREAM_OVERLOADED, and so does a call whose deadline
 * (`timeoutMs`, counted from the moment it asks for a slot) passes while it waits. A
 * streamed upload (`upload`) also takes one of half the slots, so uploads never hold more
 * than half the connections. Only idempotent methods are retried,
 * on connection errors, 502/503/504 and 429, with exponential backoff and full jitter, a
 * `Retry-After` of at most `maxRetryAfterMs`, and a budget that keeps retries under a fifth
 * of the calls when an upstream is failing. When the caller's `signal` aborts (its client went
 * away), a call waiting for a retry stops there with CLIENT_CLOSED_REQUEST, which the breaker
 * does not count as a failure (an attempt that waited for a slot checks `signal` itself).
 */
export class Resilience {
  readonly #plan: ResiliencePlan;
  readonly #upstream: string;
  readonly #breaker: CircuitBreakerPolicy | undefined;
  readonly #slots: Slots;
  readonly #uploads: Slots;
  readonly #timeoutMs: number | undefined;
  /** When the breaker last opened. */
  #openedAt = Number.NEGATIVE_INFINITY;
  /** When a call last gave up waiting for a slot (its deadline passed in the queue). */
  #lastQueueTimeout = Number.NEGATIVE_INFINITY;
  #budget: number = budgetMax;

  constructor(upstream: string, plan: ResiliencePlan, options: ResilienceOptions = {}) {
    this.#upstream = upstream;
    this.#plan = plan;
    this.#timeoutMs = options.timeoutMs;
    this.#slots = new Slots(plan.maxConcurrency, plan.maxQueue);
    this.#uploads = new Slots(Math.max(1, Math.floor(plan.maxConcurrency / 2)), plan.maxQueue);
    const windowMs = plan.breakerWindowMs ?? upstreamDefaults.breakerWindowMs;
    const counting =
      plan.breakerFailureRate !== undefined
        ? new SamplingBreaker({
            threshold: plan.breakerFailureRate,
            duration: windowMs,
            minimumRps: (plan.breakerMinimumCalls ?? upstreamDefaults.breakerMinimumCalls) / (windowMs / 1000),
          })
        : plan.breakerFailures > 0
          ? new ConsecutiveBreaker(plan.breakerFailures)
          : undefined;
    this.#breaker =
      counting !== undefined
        ? circuitBreaker(
            // An abandoned call (the client left) says nothing of the upstream: not a failure,
            // except as the half-open probe, where cockatiel would take any error it does not
            // handle as a success and close the breaker. There it re-opens it instead.
            // The same for a call refused before it was sent.
            handleWhen((error) => isFailure(error) || (isUnsent(error) && this.#breaker?.state === CircuitState.HalfOpen)).orWhenResult(
              (outcome) => (outcome as AttemptOutcome).status >= 500,
            ),
            { halfOpenAfter: plan.breakerResetMs, breaker: counting },
          )
        : undefined;
    this.#breaker?.onBreak(() => {
      this.#openedAt = performance.now();
    });
  }

  /** Whether the breaker is failing calls fast (open), or letting one probe through (half-open). */
  get breakerOpen(): boolean {
    return this.#breaker !== undefined && this.#breaker.state !== CircuitState.Closed;
  }

  /**
   * "stuck": calls are not getting through. Either the breaker is open and still within its
   * `breakerResetMs` (calls fail at once; past it, the next call is let through as a probe, so
   * the upstream counts as "ok" again: a load balancer that stops sending traffic on "stuck"
   * must not keep the probe from ever being made), or every slot is taken and either the
   * oldest has been held for longer than `timeoutMs` (an attempt ends at its deadline, so only
   * a leak holds one that long) or a call gave up waiting for a slot within the last
   * `timeoutMs`. "ok" otherwise. For `/readyz`.
   */
  state(now = performance.now()): UpstreamState {
    if (this.#breaker?.state === CircuitState.Open && now - this.#openedAt < this.#plan.breakerResetMs) return "stuck";
    const timeoutMs = this.#timeoutMs;
    if (timeoutMs === undefined || this.#slots.busy < this.#slots.capacity) return "ok";
    const heldFor = now - (this.#slots.oldestSince ?? now);
    return heldFor > timeoutMs || now - this.#lastQueueTimeout <= timeoutMs ? "stuck" : "ok";
  }

  /** Runs one call: `attempt` is invoked once, or again for each retry, unless `signal` aborts first. */
  async run<T extends AttemptOutcome>(
    method: HttpMethod,
    attempt: (slot: AttemptSlot) => Promise<T>,
    options: { retry?: boolean; signal?: ClientSignal | undefined; upload?: boolean; deadline?: "attempt" | "queue"; slots?: boolean } = {},
  ): Promise<T> {
    const { signal } = options;
    if (signal?.aborted) throw clientClosedRequest(this.#upstream);
    this.#budget = Math.min(budgetMax, this.#budget + budgetRatio);
    // `slots: false`: a stream's open (UpstreamClient.openStream), counted against its own budget, not these slots.
    const slot = (): Promise<T> =>
      this.#slot(attempt, signal, options.upload === true, options.deadline ?? "attempt", options.slots !== false);
    // A call that can never be retried (retry off, a method that is not idempotent, no retries) takes its slot directly.
    const once = options.retry === false || this.#plan.retries === 0 || !idempotent.has(method);
    const withRetries = once ? slot : () => this.#retrying(method, slot, signal);
    if (this.#breaker === undefined) return withRetries();
    try {
      return await this.#breaker.execute(withRetries);
    } catch (error) {
      if (error instanceof BrokenCircuitError) {
        throw new UpstreamError(
          "UPSTREAM_CIRCUIT_OPEN",
          this.#upstream,
          `Upstream "${this.#upstream}" is failing; calls are paused for up to ${this.#plan.breakerResetMs} ms.`,
        );
      }
      throw error;
    }
  }

  async #retrying<T extends AttemptOutcome>(method: HttpMethod, slot: () => Promise<T>, signal: ClientSignal | undefined): Promise<T> {
    for (let retry = 0; ; retry++) {
      const canRetry = idempotent.has(method) && retry < this.#plan.retries;
      let outcome: T;
      try {
        outcome = await slot();
      } catch (error) {
        if (!canRetry || !isRetryableError(error) || !this.#spend()) throw error;
        await this.#sleep(this.#backoff(retry, undefined), signal);
        continue;
      }
      if (!canRetry || !retryableStatus.has(outcome.status)) return outcome;
      const header = outcome.headers["retry-after"];
      const retryAfter = parseRetryAfter(Array.isArray(header) ? header[0] : header);
      if ((retryAfter !== undefined && retryAfter > this.#plan.maxRetryAfterMs) || !this.#spend()) return outcome;
      // An answer handed on still streaming (a passthrough read too large to keep) is dropped: stop its download.
      outcome.streamed?.body.destroy();
      await this.#sleep(this.#backoff(retry, retryAfter), signal);
    }
  }

  /**
   * One attempt in a slot. Its deadline starts now, before the wait: `timeoutMs` bounds the
   * wait plus the attempt (`deadline: "attempt"`), or only the wait (`"queue"`: a streamed
   * call keeps its own timers once sent).
   */
  async #slot<T>(
    attempt: (slot: AttemptSlot) => Promise<T>,
    signal: ClientSignal | undefined,
    upload: boolean,
    deadline: "attempt" | "queue",
    slots = true,
  ): Promise<T> {
    const controller = createAbortSource();
    let timedOut = false;
    const timer =
      this.#timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            controller.abort();
          }, this.#timeoutMs);
    const onGone = () => controller.abort();
    signal?.addEventListener("abort", onGone, once);
    try {
      if (signal?.aborted) throw clientClosedRequest(this.#upstream);
      // A free slot is taken at once (no promise to wait on); else the call queues for one.
      const free = slots && !upload ? this.#slots.tryTake() : undefined;
      const releases = free !== undefined ? free : slots ? await this.#acquire(controller, upload, () => timedOut) : [];
      if (deadline === "queue") clearTimeout(timer);
      const slot: AttemptSlot = {
        // A real AbortSignal only for who reads it (the app's fetch): the pool takes the light one.
        get signal() {
          return controller.signal;
        },
        lightSignal: controller,
        onAbort: controller.onAbort,
        get timedOut() {
          return timedOut;
        },
      };
      try {
        return await attempt(slot);
      } finally {
        if (typeof releases === "function") releases();
        else for (const release of releases) release();
      }
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onGone);
      // Nothing aborts this attempt from now on: its listeners (the call's promise chain) are let go.
      controller.release();
    }
  }

  /** Takes an upload slot (for `upload`) and a slot; refusals become the call's error. */
  async #acquire(signal: ClientSignal, upload: boolean, timedOut: () => boolean): Promise<Array<() => void>> {
    const releases: Array<() => void> = [];
    try {
      if (upload) releases.push(await this.#uploads.acquire(signal));
      releases.push(await this.#slots.acquire(signal));
      return releases;
    } catch (error) {
      releases.forEach((r) => r());
      if (!(error instanceof SlotRefused)) throw error;
      const limits = `${this.#plan.maxConcurrency} requests in flight${upload ? ` (streamed uploads: ${this.#uploads.capacity})` : ""} and ${this.#plan.maxQueue} waiting`;
      if (error.reason === "full")
        throw new UpstreamError("UPSTREAM_OVERLOADED", this.#upstream, `Upstream "${this.#upstream}" has ${limits}; try again later.`);
      if (!timedOut()) throw clientClosedRequest(this.#upstream);
      this.#lastQueueTimeout = performance.now();
      throw new UpstreamError(
        "UPSTREAM_OVERLOADED",
        this.#upstream,
        `Upstream "${this.#upstream}" had no free connection for ${this.#timeoutMs} ms (its timeoutMs); the call was not sent.`,
      );
    }
  }

  /** Waits before a retry; a client that goes away meanwhile ends the call. */
  async #sleep(ms: number, signal: ClientSignal | undefined): Promise<void> {
    if (signal?.aborted) throw clientClosedRequest(this.#upstream);
    let gone = false;
    await new Promise<void>((resolve) => {
      const onGone = () => {
        gone = true;
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", onGone);
        resolve();
      }, ms);
      signal?.addEventListener("abort", onGone, { once: true });
    });
    if (gone || signal?.aborted) throw clientClosedRequest(this.#upstream);
  }

  #spend(): boolean {
    if (this.#budget < 1) return false;
    this.#budget -= 1;
    return true;
  }

  #backoff(retry: number, retryAfterMs: number | undefined): number {
    const jitter = Math.random() * Math.min(maxBackoffMs, this.#plan.backoffMs * 2 ** retry);
    return Math.max(jitter, retryAfterMs ?? 0);
  }
}

function isFailure(error: Error): boolean {
  return (
    error instanceof UpstreamError &&
    (error.code === "UPSTREAM_UNAVAILABLE" || error.code === "UPSTREAM_TIMEOUT" || error.code === "UPSTREAM_BAD_RESPONSE")
  );
}

/** Abandoned by its client, or refused before anything was sent: no evidence about the upstream. */
function isUnsent(error: Error): boolean {
  return error instanceof UpstreamError && (error.code === "CLIENT_CLOSED_REQUEST" || error.code === "UPSTREAM_REQUEST_INVALID");
}

function isRetryableError(error: unknown): boolean {
  return error instanceof UpstreamError && error.code === "UPSTREAM_UNAVAILABLE";
}

/** RFC 9110 §10.2.3: delay-seconds or an HTTP-date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
