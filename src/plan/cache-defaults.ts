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
