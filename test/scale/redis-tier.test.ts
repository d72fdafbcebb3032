import { createHash } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { TrestleError } from "../../src/errors.js";
import {
  cacheStatuses,
  createCacheTrestle,
  query,
  resetWorld,
  sendItem,
  startCacheWorld,
  type CacheWorld,
} from "../cache/cache-fixture.js";
import { startRedis, type RedisServer } from "../helpers/start-redis.js";

/**
 * Two Trestle instances (replicas A and B, each with its own first tier) and one real
 * redis-server: what one stores, the other serves; what one writes, both purge; identical
 * reads on both make one upstream call; Redis down never fails a request.
 */
let world: CacheWorld;
let redis: RedisServer;
let admin: Redis;
let a: Trestle;
let b: Trestle;
let keyPrefix: string;
let run = 0;

beforeAll(async () => {
  [world, redis] = await Promise.all([startCacheWorld(), startRedis()]);
  admin = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => 50 });
  admin.on("error", () => undefined);
  await admin.connect();
});
afterAll(async () => {
  admin.disconnect();
  await Promise.all([world.upstream.close(), redis.stop()]);
});

/** A Trestle of this test's deployment (its own key prefix, so that tests never see each other's entries). */
const replica = (options: { redis?: Record<string, unknown> } = {}) =>
  createCacheTrestle(world, { cache: { redis: { url: redis.url, keyPrefix, ...options.redis } } });

beforeEach(async () => {
  resetWorld(world);
  keyPrefix = `t${++run}:`;
  [a, b] = await Promise.all([replica(), replica()]);
  await Promise.all([waitForCache(a, "ok"), waitForCache(b, "ok")]);
});
afterEach(async () => {
  await Promise.all([a.close(), b.close()]);
});

const item = (trestle: Trestle, id: string, token?: string) =>
  query(trestle, `{ item(id: "${id}") { serial seenAuth } }`, {}, token === undefined ? {} : { authorization: token });

async function readiness(trestle: Trestle): Promise<{ status: number; body: { details: { cache: string } } }> {
  const response = await trestle.fetch(new Request("http://trestle.test/readyz"));
  return { status: response.status, body: (await response.json()) as { details: { cache: string } } };
}

/** Waits (bounded) until `/readyz` says the cache is `state`: the event is the connection's, not a timer's. */
async function waitForCache(trestle: Trestle, state: "ok" | "degraded"): Promise<void> {
  for (const end = Date.now() + 10_000; Date.now() < end;) {
    if ((await readiness(trestle)).body.details.cache === state) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`the cache never became ${state}`);
}

/** Waits (bounded) for a condition another process makes true (a pub/sub message arriving). */
async function waitUntil(condition: () => boolean, what: string): Promise<void> {
  for (const end = Date.now() + 10_000; Date.now() < end && !condition();) await new Promise((resolve) => setTimeout(resolve, 5));
  if (!condition()) throw new Error(`never happened: ${what}`);
}

describe("Redis second tier shared by replicas", () => {
  it("R01: a miss on replica A, then a hit on replica B with no upstream call", async () => {
    const first = await item(a, "x");
    expect(cacheStatuses(first)).toEqual(["miss"]);
    const second = await item(b, "x");
    expect(cacheStatuses(second)).toEqual(["hit"]);
    expect(second.data).toEqual(first.data);
    expect(world.calls("/v1/items/x")).toHaveLength(1);
    // B's first tier holds it now: the next read does not even ask Redis.
    expect(b.cache.size).toBe(1);
  });

  it("R02: a mutation on A purges Redis and B's first tier: B's next read is fresh", async () => {
    await item(a, "x");
    await item(b, "x");
    await item(b, "y");
    expect(b.cache.size).toBe(2);
    const update = await query(a, `mutation { updateItem(id: "x", name: "new") { id } }`);
    expect(update.errors).toBeUndefined();
    // The purge message reaches B (pub/sub) and takes only the written path.
    await waitUntil(() => b.cache.size === 1, "B's first tier purged");
    const after = await item(b, "x");
    expect(cacheStatuses(after)).toEqual(["miss"]);
    // Requests so far: x, y, the PUT, then this read.
    expect(after.data).toEqual({ item: { serial: 4, seenAuth: null } });
    expect(cacheStatuses(await item(b, "y"))).toEqual(["hit"]);
    // A third replica, first tier empty, finds nothing stale in Redis either.
    const c = await replica();
    try {
      await waitForCache(c, "ok");
      expect(cacheStatuses(await item(c, "x"))).toEqual(["hit"]);
      expect((await item(c, "x")).data).toEqual(after.data);
    } finally {
      await c.close();
    }
  });

  it("R02: trestle.cache.purge on one replica purges every replica and Redis", async () => {
    await item(a, "x");
    await item(b, "x");
    expect(a.cache.purge("api", "/items")).toBe(1);
    await waitUntil(() => b.cache.size === 0, "B's first tier purged");
    expect(cacheStatuses(await item(b, "x"))).toEqual(["miss"]);
  });

  it("R03: 20 concurrent identical reads spread over both replicas make one upstream call", async () => {
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    world.reply = async (req, res, serial) => {
      await released;
      sendItem(req, res, serial, { "cache-control": "max-age=30" }, world.clock);
    };
    const reads = Array.from({ length: 20 }, (_, i) => item(i % 2 === 0 ? a : b, "hot"));
    // 19 reads wait for the one upstream call: 9 on its replica, 10 on the other (one of them on the Redis lock).
    await waitUntil(() => a.cache.joined + b.cache.joined === 19, "19 reads waiting");
    release();
    const results = await Promise.all(reads);
    expect(world.calls("/v1/items/hot")).toHaveLength(1);
    for (const result of results) expect(result.data).toEqual({ item: { serial: 1, seenAuth: null } });
  });

  it("R04: A's credentials-keyed entry is never served to another user on B; keys hold no credential or path", async () => {
    await item(a, "me", "Bearer alice");
    const bob = await item(b, "me", "Bearer bob");
    expect(cacheStatuses(bob)).toEqual(["miss"]);
    expect(bob.data).toEqual({ item: { serial: 2, seenAuth: "Bearer bob" } });
    const anonymous = await item(b, "me");
    expect(cacheStatuses(anonymous)).toEqual(["miss"]);
    expect(anonymous.data).toEqual({ item: { serial: 3, seenAuth: null } });
    // The same identity on B is served A's entry, from Redis.
    const alice = await item(b, "me", "Bearer alice");
    expect(cacheStatuses(alice)).toEqual(["hit"]);
    expect(alice.data).toEqual({ item: { serial: 1, seenAuth: "Bearer alice" } });
    const keys = await admin.keys(`${keyPrefix}*`);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(key).toMatch(new RegExp(`^${keyPrefix}[exql]:[A-Za-z0-9_-]{43}$|^${keyPrefix}purge$`));
  });

  it("R05: Redis stopped mid-run: every request is answered, /readyz stays ready and says degraded; restarted, it is used again", async () => {
    await item(a, "before");
    await redis.stop();
    await waitForCache(a, "degraded");
    // Served from A's first tier, and from the upstream for what it does not hold.
    expect(cacheStatuses(await item(a, "before"))).toEqual(["hit"]);
    for (const trestle of [a, b, a, b]) {
      const result = await item(trestle, "during");
      expect(result.errors).toBeUndefined();
      expect(result.data).toMatchObject({ item: { seenAuth: null } });
    }
    const ready = await readiness(b);
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: "ready", details: { cache: "degraded" } });
    const metrics = await (await b.fetch(new Request("http://trestle.test/metrics"))).text();
    expect(metrics).toMatch(/trestle_cache_redis_errors_total\{operation="[a-z]+"\} [1-9]/);
    expect(metrics).toMatch(/trestle_cache_redis_fallbacks_total [1-9]/);

    await redis.start();
    await Promise.all([waitForCache(a, "ok"), waitForCache(b, "ok")]);
    expect(cacheStatuses(await item(a, "after"))).toEqual(["miss"]);
    expect(cacheStatuses(await item(b, "after"))).toEqual(["hit"]);
    expect(world.calls("/v1/items/after")).toHaveLength(1);
  });

  it("R05: Redis unreachable from the start: answers from the upstream, degraded, and close() ends without waiting for it", async () => {
    const nowhere = await createCacheTrestle(world, { cache: { redis: { url: "redis://127.0.0.1:1", keyPrefix } } });
    try {
      for (let i = 0; i < 3; i++) expect((await item(nowhere, "cold")).errors).toBeUndefined();
      // Its own first tier still works: the second and third reads were hits.
      expect(world.calls("/v1/items/cold")).toHaveLength(1);
      expect((await readiness(nowhere)).body.details.cache).toBe("degraded");
    } finally {
      await nowhere.close();
    }
  });

  it("R06: Redis too slow (every client paused) is passed by within the time budget: the upstream answers, never an error", async () => {
    // CLIENT PAUSE answers at once, then holds every client's commands for 600 ms: each of A's runs past its budget.
    expect(await admin.call("CLIENT", "PAUSE", "600", "ALL")).toBe("OK");
    const result = await item(a, "slow");
    expect(result.errors).toBeUndefined();
    expect(cacheStatuses(result)).toEqual(["miss"]);
    expect(world.calls("/v1/items/slow")).toHaveLength(1);
    const metrics = await (await a.fetch(new Request("http://trestle.test/metrics"))).text();
    expect(metrics).toMatch(/trestle_cache_redis_errors_total\{operation="get"\} [1-9]/);
    expect(metrics).toMatch(/trestle_cache_redis_fallbacks_total [1-9]/);
  });
});

describe("Redis indexes and unconfirmed purges", () => {
  /** The key of an upstream's path index, as the tier names it (`<prefix>q:<sha256>`). */
  const pathIndex = (upstream: string) => `${keyPrefix}q:${createHash("sha256").update(upstream).digest("base64url")}`;
  const entries = async () => (await admin.keys(`${keyPrefix}e:*`)).length;

  it("R14: the path index keeps only what is alive: 30 short-lived paths expire, and the next store drops them from it", async () => {
    await item(a, "long");
    world.reply = (req, res, serial) => sendItem(req, res, serial, { "cache-control": "max-age=1" }, world.clock);
    for (let i = 0; i < 30; i++) await item(a, `short-${i}`);
    await waitUntilAsync(async () => (await entries()) === 31, "31 entries in Redis");
    expect(await admin.zcard(pathIndex("api"))).toBe(31);
    // Redis expires the short ones on its own clock (about a second); the index lives on with "long", and the next store prunes it.
    await waitUntilAsync(async () => (await entries()) === 1, "the short entries expired");
    await item(a, "next");
    await waitUntilAsync(async () => (await entries()) === 2, "the new entry stored");
    expect((await admin.zrange(pathIndex("api"), 0, -1)).sort()).toEqual(["/v1/items/long", "/v1/items/next"]);
  });

  it("R15: a purge Redis did not confirm (every client paused) is sent again until it is: no replica is served the purged answer from Redis", async () => {
    await item(a, "x");
    await waitUntilAsync(async () => (await entries()) === 1, "the entry in Redis");
    // The path lookup of the prefix purge runs past its budget: nothing is deleted on the first try.
    expect(await admin.call("CLIENT", "PAUSE", "300", "ALL")).toBe("OK");
    expect(a.cache.purge("api", "/items")).toBe(1);
    await waitUntilAsync(async () => (await entries()) === 0, "the entry deleted by the purge sent again");
    const c = await replica();
    try {
      await waitForCache(c, "ok");
      const fresh = await item(c, "x");
      expect(cacheStatuses(fresh)).toEqual(["miss"]);
      expect(world.calls("/v1/items/x")).toHaveLength(2);
    } finally {
      await c.close();
    }
  });
});

/** Like waitUntil, for a condition read from Redis. */
async function waitUntilAsync(condition: () => Promise<boolean>, what: string): Promise<void> {
  for (const end = Date.now() + 10_000; Date.now() < end;) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`never happened: ${what}`);
}

describe("cache.redis options", () => {
  it("R07: a bad cache.redis is refused when the instance is built, the URL's password never echoed; a good one serves", async () => {
    const bad: Array<[unknown, RegExp]> = [
      ["redis://x", /cache\.redis must be an object/],
      [{ url: "http://127.0.0.1:6379" }, /cache\.redis\.url must be a redis:\/\/ or rediss:\/\/ URL.*"http:\/\/127\.0\.0\.1:6379"/],
      [{ url: "redis://user:s3cret@" }, /received "redis:\/\/user:\*\*\*@"/],
      [{ url: redis.url, keyPrefix: "a b" }, /keyPrefix must be text without spaces/],
      [{ url: redis.url, timeoutMs: 0 }, /timeoutMs must be an integer from 1 to 60000/],
      [{ url: redis.url, ttl: 5 }, /cache\.redis has no option "ttl"/],
    ];
    for (const [given, message] of bad) {
      const error = await createCacheTrestle(world, { cache: { redis: given as never } }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TrestleError);
      expect((error as TrestleError).code).toBe("CONFIG_INVALID");
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain("s3cret");
    }
    expect((await item(a, "fine")).data).toEqual({ item: { serial: 1, seenAuth: null } });
  });
});
