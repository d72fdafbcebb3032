/**
 * Every default of the `cache` option, in one place: cache-options.ts applies them, and
 * `test/docs/defaults.test.ts` can check that the docs (docs/caching.md) quote the same numbers.
 */
export const cacheDefaults = {
  enabled: true,
  /** Bytes held (50 MiB). */
  maxSize: 50 * 1024 * 1024,
  /** The largest single answer kept is `maxSize` divided by this (a tenth). */
  maxEntrySizeDivisor: 10,
  /** Stale-if-error for answers that give none: only when the upstream says `stale-if-error=N`. */
  staleIfErrorSeconds: 0,
} as const;

/**
 * Every default of `cache.redis`, the second tier shared by replicas (docs/scaling.md quotes them).
 * Redis is never allowed to slow a request down by more than `timeoutMs` per operation.
 */
export const redisDefaults = {
  /** Prefix of every key and of the purge channel, so that several deployments can share one Redis. */
  keyPrefix: "trestle:",
  /** Time budget of each Redis operation, ms; past it the first tier and the upstream answer. */
  timeoutMs: 50,
  /** Lifetime of the lock that lets one replica call the upstream for a read while the others wait, ms. */
  lockTtlMs: 3_000,
  /** How long the other replicas wait for the lock holder's answer before making their own call, ms. */
  lockWaitMs: 2_000,
  /** Longest pause between two looks for the lock holder's answer, ms. */
  lockPollMs: 25,
  /** Longest pause between two reconnection attempts, ms. */
  reconnectMaxMs: 1_000,
  /** Pause before a purge Redis did not confirm is sent again (and again, until it is), ms. */
  purgeRetryMs: 1_000,
} as const;
