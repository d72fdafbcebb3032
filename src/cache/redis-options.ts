import { TrestleError } from "../errors.js";
import { redisDefaults } from "../plan/cache-defaults.js";

/** `createTrestle({ cache: { redis } })`: the second cache tier, shared by replicas. */
export interface RedisCacheOptions {
  /**
   * The Redis server: `redis://[user:password@]host:port[/db]`, or `rediss://` for TLS.
   * @example "redis://redis:6379"
   */
  url: string;
  /**
   * Prefix of every key Trestle writes and of its purge channel: deployments that share one
   * Redis must each have their own.
   * @default "trestle:"
   */
  keyPrefix?: string;
  /**
   * Time budget of each Redis operation, in ms: past it the read goes on to the upstream (and
   * the write is dropped), as when Redis is down.
   * @default 50
   */
  timeoutMs?: number;
}

export interface NormalizedRedisOptions {
  url: string;
  keyPrefix: string;
  timeoutMs: number;
  lockTtlMs: number;
  lockWaitMs: number;
  lockPollMs: number;
  reconnectMaxMs: number;
  purgeRetryMs: number;
}

const known = ["url", "keyPrefix", "timeoutMs"];

/** Validates `cache.redis` when the instance is built; a bad value is CONFIG_INVALID naming it (the URL's password never echoed). */
export function normalizeRedisOptions(value: unknown): NormalizedRedisOptions | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalid(
      `cache.redis must be an object like { url: "redis://127.0.0.1:6379" }, received ${typeof value === "string" ? "a string" : String(value)}`,
    );
  }
  const given = value as Record<string, unknown>;
  for (const name of Object.keys(given)) {
    if (!known.includes(name)) throw invalid(`cache.redis has no option "${name}" (options: ${known.join(", ")})`);
  }
  const { url, keyPrefix = redisDefaults.keyPrefix, timeoutMs = redisDefaults.timeoutMs } = given;
  if (typeof url !== "string" || !isRedisUrl(url)) {
    throw invalid(`cache.redis.url must be a redis:// or rediss:// URL like "redis://127.0.0.1:6379", received ${showUrl(url)}`);
  }
  if (typeof keyPrefix !== "string" || keyPrefix.length > 100 || /[\s\0]/.test(keyPrefix)) {
    throw invalid(
      `cache.redis.keyPrefix must be text without spaces, at most 100 characters, like "trestle:", received ${JSON.stringify(keyPrefix)}`,
    );
  }
  if (typeof timeoutMs !== "number" || !Number.isSafeInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 60_000) {
    throw invalid(`cache.redis.timeoutMs must be an integer from 1 to 60000 (ms), received ${JSON.stringify(timeoutMs)}`);
  }
  return { ...redisDefaults, url, keyPrefix, timeoutMs };
}

function isRedisUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return (parsed.protocol === "redis:" || parsed.protocol === "rediss:") && parsed.hostname !== "";
  } catch {
    return false;
  }
}

/** The URL as given, its password replaced, so that an error message never carries a secret. */
function showUrl(url: unknown): string {
  if (typeof url !== "string") return url === undefined ? "nothing" : (JSON.stringify(url) ?? String(url));
  return JSON.stringify(url.replace(/\/\/([^/@]*):[^/@]*@/, "//$1:***@"));
}

function invalid(message: string): TrestleError {
  return new TrestleError("CONFIG_INVALID", message);
}
