import * as crypto from "node:crypto";
import { createRequire } from "node:module";
import type { Redis } from "ioredis";
import { buildVaryKey } from "./build-cache-key.js";
import type { NormalizedRedisOptions } from "./redis-options.js";
import { readPurgeMessage, toPathMatcher, type PurgeBus, type PurgeMessage } from "./purge-bus.js";
import type { CacheEntry } from "./response-cache.js";
import { deserializeStored, redisLifetimeMs, serializeEntry, serializeVaryMarker } from "./serialize-entry.js";

/** What the tier tells the metrics: a Redis operation that failed or ran past its budget, and a read that went on without Redis. */
export interface RedisTierReport {
  redisError(operation: string): void;
  redisFallback(): void;
}

/**
 * Stores an entry and indexes it for purges: the index of its (upstream, pathname) lists its
 * keys, the upstream's path index lists its pathnames, both sorted sets scored by when the
 * member expires (Redis's own clock), so each store first drops what has expired and neither
 * grows past what is alive. KEYS: entry, index, path index[, marker]; ARGV: value, px,
 * pathname[, marker value].
 */
const storeScript = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local px = tonumber(ARGV[2])
local expires = now + px
redis.call('SET', KEYS[1], ARGV[1], 'PX', px)
if KEYS[4] then
  redis.call('SET', KEYS[4], ARGV[4], 'PX', px)
  redis.call('ZADD', KEYS[2], expires, KEYS[4])
end
redis.call('ZADD', KEYS[2], expires, KEYS[1])
local known = redis.call('ZSCORE', KEYS[3], ARGV[3])
if not known or tonumber(known) < expires then redis.call('ZADD', KEYS[3], expires, ARGV[3]) end
for i = 2, 3 do
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now)
  if redis.call('PTTL', KEYS[i]) < px then redis.call('PEXPIRE', KEYS[i], px) end
end
return 1`;

/** Deletes every key listed by the indexes KEYS, the indexes, and the pathnames ARGV[2..] from the path index ARGV[1]. */
const purgeScript = `
local n = 0
for _, index in ipairs(KEYS) do
  local members = redis.call('ZRANGE', index, 0, -1)
  for i = 1, #members, 500 do
    redis.call('DEL', unpack(members, i, math.min(i + 499, #members)))
  end
  n = n + #members
  redis.call('DEL', index)
end
if #ARGV > 1 then redis.call('ZREM', ARGV[1], unpack(ARGV, 2)) end
return n`;

const unlockScript = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * The second cache tier: one Redis shared by every replica. Keys are the first tier's keys
 * hashed again (SHA-256), so nothing a client sent, not even the path, is readable in Redis;
 * entries expire with their remaining lifetime plus their stale windows. Every command has
 * `timeoutMs` (ioredis's commandTimeout) and fails at once while Redis is unreachable (no
 * offline queue): a failure is a miss, a dropped write, or a lock not taken — never an error
 * for the request. ioredis reconnects by itself; the subscriber re-subscribes.
 */
export class RedisTier implements PurgeBus {
  readonly #options: NormalizedRedisOptions;
  readonly #client: Redis;
  readonly #subscriber: Redis;
  readonly #report: RedisTierReport | undefined;
  readonly #channel: string;
  /** Tells this instance's own purges apart on the channel. */
  readonly #id = crypto.randomUUID();
  #failing = false;
  /** Purges Redis did not confirm, sent again until it does (see publish). */
  readonly #unconfirmed: PurgeMessage[] = [];
  #retry: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: NormalizedRedisOptions, report?: RedisTierReport) {
    this.#options = options;
    this.#report = report;
    this.#channel = `${options.keyPrefix}purge`;
    const retryStrategy = (times: number) => Math.min(times * 50, options.reconnectMaxMs);
    // Loaded here, not at import: an instance without cache.redis never pays for ioredis.
    const { Redis } = createRequire(import.meta.url)("ioredis") as typeof import("ioredis");
    this.#client = new Redis(options.url, {
      commandTimeout: options.timeoutMs,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy,
      connectTimeout: Math.max(1_000, options.timeoutMs * 4),
    });
    // The subscriber may queue its SUBSCRIBE until connected: it waits for nothing a request needs.
    this.#subscriber = new Redis(options.url, { retryStrategy, maxRetriesPerRequest: null });
    for (const connection of [this.#client, this.#subscriber]) {
      connection.on("error", () => this.#report?.redisError("connection"));
      connection.on("ready", () => (this.#failing = false));
    }
  }

  /** "ok" while both connections are up and the last command got through in time; else "degraded". */
  get state(): "ok" | "degraded" {
    return this.#client.status === "ready" && this.#subscriber.status === "ready" && !this.#failing ? "ok" : "degraded";
  }

  /** The entry at a first-tier key for a request's headers (following a Vary marker); undefined when absent or Redis failed. */
  async get(key: string, headers: Readonly<Record<string, string>>): Promise<CacheEntry | undefined> {
    let stored = await this.#read(key);
    if (stored !== undefined && "varyNames" in stored) stored = await this.#read(buildVaryKey(key, stored.varyNames, headers));
    return stored !== undefined && "entry" in stored ? stored.entry : undefined;
  }

  /** Writes an entry the first tier has just stored (not awaited: a write never delays an answer). */
  set(key: string, entry: CacheEntry, headers: Readonly<Record<string, string>>, now: number): void {
    const px = Math.ceil(redisLifetimeMs(entry, now));
    if (px <= 0) return;
    const index = this.#indexKey(entry.upstream, entry.pathname);
    const paths = this.#pathIndexKey(entry.upstream);
    const value = serializeEntry(entry);
    const command =
      entry.vary.length === 0
        ? this.#client.eval(storeScript, 3, this.#entryKey(key), index, paths, value, px, entry.pathname)
        : this.#client.eval(
            storeScript,
            4,
            this.#entryKey(buildVaryKey(key, entry.vary, headers)),
            index,
            paths,
            this.#entryKey(key),
            value,
            px,
            entry.pathname,
            serializeVaryMarker(entry.vary),
          );
    void this.#run("set", command);
  }

  /** Deletes the entry a request's headers select at `key` (a 404 or `no-store` replaced it). */
  delete(key: string): void {
    void this.#run("delete", this.#client.del(this.#entryKey(key)));
  }

  /**
   * Deletes the matching entries in Redis, then tells every other replica (pub/sub) to purge
   * its first tier. Resolves when both are done or failed, within twice the time budget. When
   * Redis did not confirm the deletion, the whole purge is sent again every `purgeRetryMs` until it
   * does (replicas could otherwise copy the stale entries back from Redis), and then announced
   * again, so that what replicas copied in the meantime goes too.
   */
  async publish(message: PurgeMessage): Promise<void> {
    if (!(await this.#purgeRedis(message))) this.#defer(message);
    await this.#run("publish", this.#client.publish(this.#channel, JSON.stringify({ from: this.#id, ...message })));
  }

  /** Whether Redis confirmed the deletion of every entry the message names. */
  async #purgeRedis(message: PurgeMessage): Promise<boolean> {
    const pathIndex = this.#pathIndexKey(message.upstream);
    let paths = message.paths;
    if (paths === undefined) {
      const known = await this.#run("purge", this.#client.zrange(pathIndex, 0, -1));
      if (known === undefined) return false;
      paths = known.filter(toPathMatcher(message));
    }
    if (paths.length === 0) return true;
    const indexes = paths.map((path) => this.#indexKey(message.upstream, path));
    return (await this.#run("purge", this.#client.eval(purgeScript, indexes.length, ...indexes, pathIndex, ...paths))) !== undefined;
  }

  /** Keeps a purge to send again; past `maxUnconfirmed`, the oldest becomes a purge of its whole upstream. */
  #defer(message: PurgeMessage): void {
    if (this.#closed) return;
    this.#unconfirmed.push(message);
    if (this.#unconfirmed.length > maxUnconfirmed) {
      const oldest = this.#unconfirmed.shift()!;
      if (!this.#unconfirmed.some((kept) => kept.upstream === oldest.upstream && kept.paths === undefined && kept.prefix === undefined))
        this.#unconfirmed.push({ upstream: oldest.upstream });
    }
    this.#retry ??= setTimeout(() => void this.#sendUnconfirmed(), this.#options.purgeRetryMs).unref();
  }

  async #sendUnconfirmed(): Promise<void> {
    this.#retry = undefined;
    for (const message of this.#unconfirmed.splice(0)) await this.publish(message);
  }

  subscribe(handler: (message: PurgeMessage) => void): void {
    this.#subscriber.on("message", (channel: string, text: string) => {
      if (channel !== this.#channel) return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return;
      }
      if ((parsed as { from?: unknown }).from === this.#id) return;
      const message = readPurgeMessage(parsed);
      if (message !== undefined) handler(message);
    });
    this.#subscriber.subscribe(this.#channel).catch(() => this.#report?.redisError("subscribe"));
  }

  /**
   * Takes the lock on one read across replicas (SET NX PX): a token when taken, `false` when
   * another replica holds it, undefined when Redis did not answer in time (then no one waits).
   */
  async lock(flightKey: string): Promise<string | false | undefined> {
    const token = crypto.randomUUID();
    const answer = await this.#run("lock", this.#client.set(this.#lockKey(flightKey), token, "PX", this.#options.lockTtlMs, "NX"));
    if (answer === undefined) return undefined;
    return answer === "OK" ? token : false;
  }

  /** Whether some replica still holds the lock (undefined: Redis did not answer). */
  async isLocked(flightKey: string): Promise<boolean | undefined> {
    const count = await this.#run("lock", this.#client.exists(this.#lockKey(flightKey)));
    return count === undefined ? undefined : count > 0;
  }

  /** Releases a lock this instance took (only if it is still its own). Sent after the entry's write, on the same connection. */
  unlock(flightKey: string, token: string): void {
    void this.#run("unlock", this.#client.eval(unlockScript, 1, this.#lockKey(flightKey), token));
  }

  /** Sends what is queued and says goodbye (QUIT), for at most twice the time budget; then cuts both connections, reconnection off. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retry);
    const bound = new Promise<void>((resolve) => setTimeout(resolve, this.#options.timeoutMs * 2).unref());
    await Promise.all(
      [this.#client, this.#subscriber].map(async (connection) => {
        await Promise.race([connection.quit().catch(() => undefined), bound]);
        connection.disconnect(false);
      }),
    );
  }

  async #read(key: string): Promise<ReturnType<typeof deserializeStored>> {
    const value = await this.#run("get", this.#client.getBuffer(this.#entryKey(key)));
    return value === undefined || value === null ? undefined : deserializeStored(value);
  }

  /** One command: its answer, or undefined when it failed or ran past the budget (counted, and the tier is degraded until one succeeds). */
  async #run<T>(operation: string, command: Promise<T>): Promise<T | undefined> {
    try {
      const answer = await command;
      this.#failing = false;
      return answer;
    } catch {
      this.#failing = true;
      this.#report?.redisError(operation);
      // A read that goes on to the first tier and the upstream without Redis.
      if (operation === "get" || operation === "lock") this.#report?.redisFallback();
      return undefined;
    }
  }

  #entryKey(key: string): string {
    return `${this.#options.keyPrefix}e:${sha256(key)}`;
  }

  /** `x:` and `q:` (sorted sets since 0.2; the plain sets of `i:` and `p:` expire on their own). */
  #indexKey(upstream: string, pathname: string): string {
    return `${this.#options.keyPrefix}x:${sha256(JSON.stringify([upstream, pathname]))}`;
  }

  #pathIndexKey(upstream: string): string {
    return `${this.#options.keyPrefix}q:${sha256(upstream)}`;
  }

  #lockKey(flightKey: string): string {
    return `${this.#options.keyPrefix}l:${sha256(flightKey)}`;
  }
}

/** Unconfirmed purges kept for another try at most; older ones widen to their upstream. */
const maxUnconfirmed = 64;

function sha256(text: string): string {
  return crypto.createHash("sha256").update(text).digest("base64url");
}
