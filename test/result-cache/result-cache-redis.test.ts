import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { createCacheTrestle, query, resetWorld, startCacheWorld, type CacheWorld } from "../cache/cache-fixture.js";
import { startRedis, type RedisServer } from "../helpers/start-redis.js";

/** Two replicas sharing a real redis-server: a purge on one drops the other's stored operation results. */
let world: CacheWorld;
let redis: RedisServer;
let a: Trestle;
let b: Trestle;
let run = 0;

beforeAll(async () => {
  [world, redis] = await Promise.all([startCacheWorld(), startRedis()]);
});
afterAll(async () => {
  await Promise.all([world.upstream.close(), redis.stop()]);
});
beforeEach(async () => {
  resetWorld(world);
  const keyPrefix = `rc${++run}:`;
  const replica = () => createCacheTrestle(world, { cache: { results: true, redis: { url: redis.url, keyPrefix } } });
  [a, b] = await Promise.all([replica(), replica()]);
  await Promise.all([waitForCache(a), waitForCache(b)]);
});
afterEach(async () => {
  await Promise.all([a.close(), b.close()]);
});

const item = (trestle: Trestle, id: string) => query(trestle, `query I($id: String!) { item(id: $id) { serial } }`, { id });
const resultCache = (result: { extensions?: Record<string, unknown> }) =>
  (result.extensions?.["trestle"] as { resultCache?: string } | undefined)?.resultCache;

async function waitForCache(trestle: Trestle): Promise<void> {
  await waitUntil(async () => {
    const response = await trestle.fetch(new Request("http://trestle.test/readyz"));
    return ((await response.json()) as { details: { cache: string } }).details.cache === "ok";
  }, "the Redis tier is connected");
}

/** Waits (bounded) for what another process makes true (a pub/sub message arriving). */
async function waitUntil(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (const end = Date.now() + 10_000; Date.now() < end;) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`never happened: ${what}`);
}

describe("result cache across replicas (Redis)", () => {
  it("RC11: a mutation on replica B drops replica A's stored result built on that path", async () => {
    await item(a, "a");
    await item(a, "b");
    expect(resultCache(await item(a, "a"))).toBe("hit");
    await query(b, `mutation { updateItem(id: "a", name: "new") { id } }`);
    await waitUntil(() => a.cache.size === 1, "A's first tier purged of /items/a");
    const after = await item(a, "a");
    expect(resultCache(after)).toBeUndefined();
    expect(resultCache(await item(a, "b"))).toBe("hit");
  });

  it("RC11: trestle.cache.purge on replica B drops replica A's stored results", async () => {
    await item(a, "a");
    expect(resultCache(await item(a, "a"))).toBe("hit");
    b.cache.purge("api", "/items");
    await waitUntil(() => a.cache.size === 0, "A's first tier purged");
    expect(resultCache(await item(a, "a"))).toBeUndefined();
  });
});
