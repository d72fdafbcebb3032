import { describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { cacheStatuses, type CacheWorld, createCacheTrestle, query, sendItem, useCacheTrestle } from "../cache/cache-fixture.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { captureLogs } from "../telemetry-logs/capture-logs.js";

/**
 * The whole-operation result cache (issue 26 item 1, docs/result-cache.md), against the cache
 * tests' counting upstream (test/cache/cache-fixture.ts) with the result cache on. A result-cache
 * hit makes no upstream call and shows `resultCache: "hit"` in the debug extension.
 */
let world: CacheWorld;
let trestle: Trestle;
useCacheTrestle((w, t) => ((world = w), (trestle = t)), { cache: { results: true } });

const itemQuery = `query Item($id: String!) { item(id: $id) { id serial seenAuth } }`;
const item = (id: string, headers: Record<string, string> = {}) => query(trestle, itemQuery, { id }, headers);
const marker = (result: { extensions?: Record<string, unknown> }) =>
  (result.extensions?.["trestle"] as { resultCache?: string; upstreamCallCount?: number } | undefined) ?? {};

/** The raw answer of a POST, as a client reads it. */
async function raw(target: Trestle, document: string, variables: Record<string, unknown>, headers: Record<string, string> = {}) {
  const response = await target.fetch(
    new Request("http://trestle.test/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify({ query: document, variables }),
    }),
  );
  return { status: response.status, text: await response.text(), headers: response.headers };
}

describe("result cache: repeats", () => {
  it("RC01: a repeated query is answered with no upstream call and the same bytes, Cache-Control re-dated", async () => {
    const plain = await createCacheTrestle(world, { debug: false, cache: { results: true } });
    try {
      const first = await raw(plain, itemQuery, { id: "a" });
      world.clock.advance(4);
      const second = await raw(plain, itemQuery, { id: "a" });
      expect(world.calls("/v1/items/a")).toHaveLength(1);
      expect(second.text).toBe(first.text);
      expect(first.headers.get("cache-control")).toBe("public, max-age=30");
      expect(second.headers.get("cache-control")).toBe("public, max-age=26");
      expect(second.headers.get("content-type")).toBe(first.headers.get("content-type"));
    } finally {
      await plain.close();
    }
  });

  it("RC01: in debug mode a hit shows zero calls and the marker; the stored body holds no debug extension", async () => {
    const first = await item("a");
    expect(marker(first)).toMatchObject({ upstreamCallCount: 1 });
    expect(marker(first).resultCache).toBeUndefined();
    const second = await item("a");
    expect(marker(second)).toEqual({ upstreamCallCount: 0, upstreamCalls: [], resultCache: "hit" });
    expect(second.data).toEqual(first.data);
    expect(world.calls("/v1/items/a")).toHaveLength(1);
  });

  it("RC01: a hit's log line names the operation and says the result cache answered it, with no call", async () => {
    const logs = captureLogs();
    const logged = await createCacheTrestle(world, { debug: false, logger: logs.logger, cache: { results: true } });
    try {
      await raw(logged, itemQuery, { id: "a" });
      await raw(logged, itemQuery, { id: "a" });
      const [first, second] = await logs.waitForRequests(2);
      expect(first).toMatchObject({ operation: "Item", calls: 1, cache: { miss: 1 } });
      expect(first).not.toHaveProperty("operationCache");
      expect(second).toMatchObject({ operation: "Item", operationCache: "hit", status: 200 });
      expect(second).not.toHaveProperty("calls");
      expect(world.calls("/v1/items/a")).toHaveLength(1);
    } finally {
      await logged.close();
    }
  });

  it("RC02: different variables, operation names or documents are never shared", async () => {
    await item("a");
    const b = await item("b");
    expect(b.data).toEqual({ item: { id: "b", serial: 2, seenAuth: null } });
    const named = await query(trestle, `query Other($id: String!) { item(id: $id) { id serial seenAuth } }`, { id: "a" });
    expect(cacheStatuses(named)).toEqual(["hit"]); // executed: its read hit the response cache
    // Variables in another key order are the same variables.
    const twoVars = `query Two($x: String!, $y: String!) { x: item(id: $x) { serial } y: item(id: $y) { serial } }`;
    await query(trestle, twoVars, { x: "a", y: "b" });
    expect(marker(await query(trestle, twoVars, { y: "b", x: "a" })).resultCache).toBe("hit");
    expect(marker(await query(trestle, twoVars, { x: "b", y: "a" })).resultCache).toBeUndefined();
  });
});

describe("result cache: identity and varied headers", () => {
  it("RC03: an attacker sending the same document and variables never reads another user's cached result", async () => {
    const alice = await item("me", { authorization: "Bearer alice" });
    expect(alice.data).toEqual({ item: { id: "me", serial: 1, seenAuth: "Bearer alice" } });
    expect(marker(await item("me", { authorization: "Bearer alice" })).resultCache).toBe("hit");
    for (const [headers, who] of [
      [{ authorization: "Bearer mallory" }, "Bearer mallory"],
      [{}, null],
      [{ authorization: "bearer alice" }, "bearer alice"],
      [{ authorization: "Bearer alice2" }, "Bearer alice2"],
      [{ authorization: "Basic YWxpY2U6" }, "Basic YWxpY2U6"],
    ] as const) {
      const stolen = await item("me", headers);
      expect(marker(stolen).resultCache).toBeUndefined();
      expect((stolen.data?.["item"] as { seenAuth: string | null }).seenAuth).toBe(who);
    }
    // Alice is still served her own result, from the result cache.
    const again = await item("me", { authorization: "Bearer alice" });
    expect(again.data).toEqual(alice.data);
    expect(marker(again).resultCache).toBe("hit");
  });

  it("RC04: a forwarded header the first caller did not send still keys the result ({header.X})", async () => {
    const tenant = `query T($id: String!) { tenantItem(id: $id) { serial seenTenant } }`;
    const anonymous = await query(trestle, tenant, { id: "a" });
    expect(anonymous.data).toEqual({ tenantItem: { serial: 1, seenTenant: null } });
    const acme = await query(trestle, tenant, { id: "a" }, { "x-tenant": "acme" });
    expect(marker(acme).resultCache).toBeUndefined();
    expect(acme.data).toEqual({ tenantItem: { serial: 2, seenTenant: "acme" } });
    const evil = await query(trestle, tenant, { id: "a" }, { "x-tenant": "evil" });
    expect(evil.data).toEqual({ tenantItem: { serial: 3, seenTenant: "evil" } });
    expect(marker(await query(trestle, tenant, { id: "a" }, { "x-tenant": "acme" })).resultCache).toBe("hit");
    expect(marker(await query(trestle, tenant, { id: "a" })).resultCache).toBe("hit");
  });

  it("RC04: an upstream Vary on a forwarded header keys the result by that header's value", async () => {
    world.reply = (req, res, serial) => sendItem(req, res, serial, { "cache-control": "max-age=30", vary: "Authorization" }, world.clock);
    const document = `{ publicItem(id: "v") { serial seenAuth } }`;
    const alice = await query(trestle, document, {}, { authorization: "Bearer alice" });
    const bob = await query(trestle, document, {}, { authorization: "Bearer bob" });
    expect(bob.data).toEqual({ publicItem: { serial: 2, seenAuth: "Bearer bob" } });
    const aliceAgain = await query(trestle, document, {}, { authorization: "Bearer alice" });
    expect(marker(aliceAgain).resultCache).toBe("hit");
    expect(aliceAgain.data).toEqual(alice.data);
  });
});

describe("result cache: purges", () => {
  it("RC05: a mutation's purge drops the results built on its path; the next query re-executes", async () => {
    await item("a");
    await item("b");
    expect(marker(await item("a")).resultCache).toBe("hit");
    await query(trestle, `mutation { updateItem(id: "a", name: "new") { id } }`);
    const after = await item("a");
    expect(marker(after).resultCache).toBeUndefined();
    expect(cacheStatuses(after)).toEqual(["miss"]);
    expect(marker(await item("b")).resultCache).toBe("hit");
  });

  it("RC06: trestle.cache.purge drops the results built on the purged paths only", async () => {
    await item("a");
    await item("b");
    expect(trestle.cache.purge("api", "/items/a")).toBe(1);
    expect(marker(await item("a")).resultCache).toBeUndefined();
    expect(marker(await item("b")).resultCache).toBe("hit");
    trestle.cache.purge("api");
    expect(marker(await item("b")).resultCache).toBeUndefined();
  });

  it("RC06: a purge while the operation runs keeps its result from being stored", async () => {
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    world.reply = async (req, res, serial) => {
      if (req.url.endsWith("/slow")) await released;
      sendItem(req, res, serial, { "cache-control": "max-age=30" }, world.clock);
    };
    const both = `{ a: item(id: "a") { serial } slow: item(id: "slow") { serial } }`;
    const running = query(trestle, both);
    await world.upstream.waitForRequests(2);
    // /items/a is already answered and stored; the purge comes before the operation ends.
    trestle.cache.purge("api", "/items/a");
    release();
    await running;
    const again = await query(trestle, both);
    expect(marker(again).resultCache).toBeUndefined();
  });
});

describe("result cache: what is never stored", () => {
  it("RC07: no-store, private without credentials and error answers are never stored", async () => {
    for (const headers of [{ "cache-control": "no-store" }, { "cache-control": "private, max-age=30" }, {}]) {
      world.reply = (req, res, serial) => sendItem(req, res, serial, headers, world.clock);
      const id = `x${world.served}`;
      await item(id);
      expect(marker(await item(id)).resultCache).toBeUndefined();
      expect(world.calls(`/v1/items/${id}`)).toHaveLength(2);
    }
  });

  it("RC07: a result with errors or partial data is never stored", async () => {
    world.reply = (req, res, serial) => {
      if (req.url.endsWith("/broken")) {
        res.writeHead(500, { "content-type": "application/json" });
        res.end("{}");
        return;
      }
      sendItem(req, res, serial, { "cache-control": "max-age=30" }, world.clock);
    };
    const partial = `{ a: item(id: "a") { serial } broken: item(id: "broken") { serial } }`;
    const first = await query(trestle, partial);
    expect(first.errors?.length).toBeGreaterThan(0);
    const second = await query(trestle, partial);
    expect(marker(second).resultCache).toBeUndefined();
    expect(world.calls("/v1/items/broken")).toHaveLength(2);
    // A normal user is served (and cached) all the same.
    await item("a");
    expect(marker(await item("a")).resultCache).toBe("hit");
  });

  it("RC07: a read served stale (stale-while-revalidate) is never part of a stored result", async () => {
    const swr = `{ swrItem(id: "s") { serial } }`;
    await query(trestle, swr);
    world.clock.advance(2);
    const stale = await query(trestle, swr);
    expect(cacheStatuses(stale)).toEqual(["stale"]);
    const next = await query(trestle, swr);
    expect(marker(next).resultCache).toBeUndefined();
  });
});

describe("result cache: lifetime", () => {
  it("RC08: the result expires with its shortest read, never later", async () => {
    const mixed = `{ short: shortItem(id: "s") { serial } long: cachedItem(id: "l") { serial } }`;
    await query(trestle, mixed);
    world.clock.advance(9);
    const within = await raw(trestle, mixed, {});
    expect(within.text).toContain('"resultCache":"hit"');
    expect(within.headers.get("cache-control")).toBe("public, max-age=1");
    world.clock.advance(1);
    const expired = await query(trestle, mixed);
    expect(marker(expired).resultCache).toBeUndefined();
    expect(cacheStatuses(expired)).toEqual(["miss", "hit"]);
  });
});

describe("result cache: options", () => {
  it("RC09: cache.results false, or cache.enabled false, turns it off", async () => {
    for (const cache of [{ results: false }, { enabled: false }]) {
      const off = await createCacheTrestle(world, { cache });
      try {
        world.upstream.requests.length = 0;
        await query(off, itemQuery, { id: "o" });
        const again = await query(off, itemQuery, { id: "o" });
        expect(marker(again).resultCache).toBeUndefined();
        expect(marker(again).upstreamCallCount).toBe(1);
      } finally {
        await off.close();
      }
    }
  });

  it("RC09: a cache.results that is not a boolean is CONFIG_INVALID naming it", async () => {
    for (const results of ["yes", 1, null, {}]) {
      await expect(createCacheTrestle(world, { cache: { results: results as boolean } })).rejects.toMatchObject({
        code: "CONFIG_INVALID",
        message: expect.stringContaining(`cache.results must be true or false, received`),
      });
    }
    expect(marker(await item("a")).upstreamCallCount).toBe(1);
  });

  it("RC10: with a context function, it still runs on a hit (it may refuse the caller)", async () => {
    const guarded = await createCacheTrestle(world, {
      cache: { results: true },
      context: (request) => {
        if (request.headers.get("x-deny") !== null) throw new Error("denied");
        return {};
      },
    });
    try {
      await query(guarded, itemQuery, { id: "g" });
      expect(marker(await query(guarded, itemQuery, { id: "g" })).resultCache).toBe("hit");
      const denied = await query(guarded, itemQuery, { id: "g" }, { "x-deny": "1" });
      expect(denied.data).toBeUndefined();
      expect(denied.errors?.[0]?.message).toBeDefined();
      expect(marker(await query(guarded, itemQuery, { id: "g" })).resultCache).toBe("hit");
    } finally {
      await guarded.close();
    }
  });
});

describe("result cache: operations that are never storable", () => {
  it("RC12: an operation unstorable many times in a row is tried again now and then, and stored once it may be", async () => {
    world.reply = (req, res, serial) => sendItem(req, res, serial, { "cache-control": "no-store" }, world.clock);
    for (let i = 0; i < 20; i++) await item("n");
    expect(world.calls("/v1/items/n")).toHaveLength(20);
    world.reply = (req, res, serial) => sendItem(req, res, serial, { "cache-control": "max-age=30" }, world.clock);
    let hits = 0;
    for (let i = 0; i < 140 && hits === 0; i++) if (marker(await item("n")).resultCache === "hit") hits++;
    expect(hits).toBe(1);
    expect(world.calls("/v1/items/n").length).toBeLessThan(20 + 140);
  });
});

describe("result cache: what the schema shares", () => {
  it("RC13: under @cache(scope: PUBLIC) the schema shares the read across identities, and so the result", async () => {
    const document = `{ publicItem(id: "p") { serial seenAuth } }`;
    const alice = await query(trestle, document, {}, { authorization: "Bearer alice" });
    const bob = await query(trestle, document, {}, { authorization: "Bearer bob" });
    expect(marker(bob).resultCache).toBe("hit");
    expect(bob.data).toEqual(alice.data);
    expect(world.calls("/v1/items/p")).toHaveLength(1);
  });

  it("RC10: a read whose header comes from the app's context is never part of a stored result", async () => {
    const schema = /* GraphQL */ `
      extend schema @upstream(name: "api", baseUrl: "{env.API_URL}/v1", headers: [{ name: "x-tenant", value: "{context.tenant}" }])
      type Query {
        item(id: String!): Item @rest(path: "/items/{args.id}")
      }
      type Item {
        serial: Int
        seenTenant: String
      }
    `;
    const app = await createTestTrestle(schema, {
      env: { API_URL: world.upstream.url },
      debug: true,
      cache: { now: () => world.clock.now() },
      context: (request) => ({ tenant: request.headers.get("x-who") ?? "none" }),
    });
    try {
      const document = `{ item(id: "c") { serial seenTenant } }`;
      const acme = await query(app, document, {}, { "x-who": "acme" });
      expect(acme.data).toEqual({ item: { serial: 1, seenTenant: "acme" } });
      const evil = await query(app, document, {}, { "x-who": "evil" });
      expect(marker(evil).resultCache).toBeUndefined();
      expect(evil.data).toEqual({ item: { serial: 2, seenTenant: "evil" } });
      expect(marker(await query(app, document, {}, { "x-who": "acme" })).resultCache).toBeUndefined();
    } finally {
      await app.close();
    }
  });
});
