import { TrestleError } from "../errors.js";
import { cacheDefaults } from "../plan/cache-defaults.js";
import { normalizeRedisOptions, type NormalizedRedisOptions, type RedisCacheOptions } from "./redis-options.js";

/** `createTrestle({ cache })`: the shared response cache of one Trestle instance. */
export interface CacheOptions {
  /**
   * `false` turns the cache off: every read goes upstream, nothing is stored, no
   * `Cache-Control` is derived for GraphQL responses.
   * @default true
   */
  enabled?: boolean;
  /**
   * Bytes the cache may hold: every stored answer counts its decoded body, its headers, its
   * key and a fixed 256-byte overhead. Least recently used answers go first.
   * @default 52428800 (50 MiB)
   * @example 268435456 // 256 MiB
   */
  maxSize?: number;
  /**
   * Largest single answer kept, in bytes (counted as for `maxSize`); larger answers are
   * served but not stored.
   * @default a tenth of `maxSize`
   */
  maxEntrySize?: number;
  /**
   * How long past its freshness a stored answer may still be served when the upstream fails
   * (connection error, timeout, 5xx), for answers without their own `stale-if-error`.
   * Never applies to answers marked `no-cache`, `must-revalidate` or `proxy-revalidate`.
   * @default 0 (only when the upstream says `stale-if-error=N`)
   */
  staleIfErrorSeconds?: number;
  /**
   * The clock, in milliseconds since the epoch, for every freshness decision. Tests inject one.
   * @default Date.now
   */
  now?: () => number;
  /**
   * A second tier in Redis, shared by every replica (and worker): same keys and privacy rules,
   * purges reach every replica, identical reads on different replicas make one upstream call.
   * Redis slow or down never fails a request (docs/scaling.md).
   * @default undefined (the in-process cache only)
   * @example { url: "redis://redis:6379", keyPrefix: "shop-bff:" }
   */
  redis?: RedisCacheOptions;
  /**
   * The result cache (docs/result-cache.md): a GraphQL query whose every upstream read came
   * from, or went into, this cache fresh is kept whole and a repeat (same document,
   * variables and the client headers its reads depend on) is answered without executing it,
   * until its shortest read expires or a purge touches one of them. It holds up to a tenth
   * of `maxSize` besides the cache. `false` turns only it off; `enabled: false` turns it off too.
   * @default true
   */
  results?: boolean;
}

export interface NormalizedCacheOptions {
  enabled: boolean;
  maxSize: number;
  maxEntrySize: number;
  staleIfErrorSeconds: number;
  now: () => number;
  redis: NormalizedRedisOptions | undefined;
  /** The result cache is on: `results` and `enabled` both. */
  results: boolean;
}

const knownOptions = ["enabled", "maxSize", "maxEntrySize", "staleIfErrorSeconds", "now", "redis", "results"];

/** Validates `cache` options once, when the instance is built; a bad one is CONFIG_INVALID naming it. */
export function normalizeCacheOptions(options: CacheOptions | undefined): NormalizedCacheOptions {
  if (options !== undefined && (typeof options !== "object" || options === null)) {
    throw invalid(`cache must be an object like { maxSize: 52428800 }, received ${show(options)}`);
  }
  const given = options ?? {};
  for (const name of Object.keys(given)) {
    if (!knownOptions.includes(name)) throw invalid(`cache has no option "${name}" (options: ${knownOptions.join(", ")})`);
  }
  const maxSize = getValidSize(given.maxSize, cacheDefaults.maxSize, "maxSize");
  const maxEntrySize = getValidSize(
    given.maxEntrySize,
    Math.max(1, Math.floor(maxSize / cacheDefaults.maxEntrySizeDivisor)),
    "maxEntrySize",
  );
  if (maxEntrySize > maxSize) throw invalid(`cache.maxEntrySize must not exceed cache.maxSize (${maxSize}), received ${maxEntrySize}`);
  const enabled = getValidEnabled(given.enabled);
  if (given.results !== undefined && typeof given.results !== "boolean")
    throw invalid(`cache.results must be true or false, received ${show(given.results)}`);
  return {
    enabled,
    results: enabled && (given.results ?? true),
    maxSize,
    maxEntrySize,
    staleIfErrorSeconds: getValidSeconds(given.staleIfErrorSeconds),
    now: getValidClock(given.now),
    redis: normalizeRedisOptions(given.redis),
  };
}

function getValidEnabled(value: unknown): boolean {
  if (value === undefined) return cacheDefaults.enabled;
  if (typeof value !== "boolean") throw invalid(`cache.enabled must be true or false, received ${show(value)}`);
  return value;
}

function getValidSize(value: unknown, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
    throw invalid(`cache.${name} must be a positive integer (bytes), received ${show(value)}`);
  }
  return value;
}

function getValidSeconds(value: unknown): number {
  if (value === undefined) return cacheDefaults.staleIfErrorSeconds;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw invalid(`cache.staleIfErrorSeconds must be zero or a positive integer (seconds), received ${show(value)}`);
  }
  return value;
}

function getValidClock(value: unknown): () => number {
  if (value === undefined) return Date.now;
  if (typeof value !== "function") throw invalid(`cache.now must be a function returning milliseconds, received ${show(value)}`);
  return value as () => number;
}

function invalid(message: string): TrestleError {
  return new TrestleError("CONFIG_INVALID", message);
}

function show(value: unknown): string {
  if (typeof value === "function") return "a function";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean" || value === null || value === undefined) return String(value);
  return JSON.stringify(value) ?? String(value);
}
