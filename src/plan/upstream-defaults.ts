/**
 * Every default of an upstream's settings, in one place: the SDL reader applies them, the
 * resilience falls back on them, and `test/docs/defaults.test.ts` checks that the docs and
 * `directives.graphql` quote the same numbers.
 */
export const upstreamDefaults = {
  /** One attempt, from asking for a connection to the answer's last byte. */
  timeoutMs: 10_000,
  /** Opening a connection, at most (never more than `timeoutMs`). */
  connectTimeoutMs: 5_000,
  maxResponseBytes: 10 * 1024 * 1024,
  /** A passthrough request body. */
  maxRequestBytes: 10 * 1024 * 1024,
  retryAttempts: 2,
  backoffMs: 100,
  /** The longest `Retry-After` waited for (not configurable). */
  maxRetryAfterMs: 5_000,
  /** The longest backoff before a retry (not configurable). */
  maxBackoffMs: 2_000,
  /** Retry budget (not configurable): each call earns this many retries… */
  retryBudgetRatio: 0.2,
  /** …up to this many banked; a retry spends 1. */
  retryBudgetMax: 10,
  breakerFailures: 5,
  breakerResetMs: 10_000,
  breakerWindowMs: 10_000,
  breakerMinimumCalls: 10,
  maxConcurrency: 128,
  /** Streams (Subscription fields) open at once to one upstream, beside the maxConcurrency slots. */
  maxStreams: 256,
  /** Calls that may wait for a slot, per slot. */
  queuePerSlot: 4,
} as const;
