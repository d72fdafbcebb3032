import { describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { createGate, until } from "../helpers/gate.js";
import { cacheStatuses, type CacheWorld, createCacheTrestle, query, resetWorld, sendItem, useCacheTrestle } from "./cache-fixture.js";

let world: CacheWorld;
let trestle: Trestle;
useCacheTrestle((w, t) => ((world = w), (trestle = t)));

const answer = (headers: Record<string, string>) => {
  world.reply = (req, res, serial) => sendItem(req, res, serial, headers, world.clock);
};
/** Answers held until `ready()` holds (the concurrent reads are where the test expects them), then sent. */
async function meet<T extends unknown[]>(
  headers: Record<string, string>,
  reads: () => [...{ [K in keyof T]: Promise<T[K]> }],
  ready: () => boolean,
  what: string,
): Promise<T> {
  const gate = createGate();
  world.reply = async (req, res, serial) => {
    await gate.opened;
    sendItem(req, res, serial, headers, world.clock);
  };
  const pending = Promise.all(reads()) as Promise<T>;
  await until(ready, what);
  gate.open();
  return pending;
}
const asUser = (token: string | undefined, field = "item") =>
  query(trestle, `{ ${field}(id: "a") { seenAuth serial } }`, {}, token === undefined ? {} : { authorization: token });

describe("privacy: answers to requests with credentials", () => {
  it("C01: two authorization values never see each other's data", async () => {
    const a = await asUser("Bearer TOKEN-A");
    const b = await asUser("Bearer TOKEN-B");
    expect(a.data).toEqual({ item: { seenAuth: "Bearer TOKEN-A", serial: 1 } });
    expect(b.data).toEqual({ item: { seenAuth: "Bearer TOKEN-B", serial: 2 } });
    // Each identity has its own entry: repeats are hits, still never crossed.
    expect(await asUser("Bearer TOKEN-A")).toMatchObject({ data: a.data });
    expect(await asUser("Bearer TOKEN-B")).toMatchObject({ data: b.data });
    const anonymous = await asUser(undefined);
    expect(anonymous.data).toEqual({ item: { seenAuth: null, serial: 3 } });
    expect(world.calls("/v1/items/a")).toHaveLength(3);
  });

  // Changed deliberately (C17): the same identity asking twice at once now makes one call.
  it("C02/C17: concurrent reads with different credentials are never coalesced; the same identity's are", async () => {
    const [a, b, a2] = await meet(
      { "cache-control": "max-age=30" },
      () => [asUser("Bearer TOKEN-A"), asUser("Bearer TOKEN-B"), asUser("Bearer TOKEN-A")],
      () => trestle.cache.joined === 1 && world.calls("/v1/items/a").length === 2,
      "A's second read joined to A's call, B's call at the upstream",
    );
    expect((a.data?.["item"] as { seenAuth: string }).seenAuth).toBe("Bearer TOKEN-A");
    expect((b.data?.["item"] as { seenAuth: string }).seenAuth).toBe("Bearer TOKEN-B");
    expect((a2.data?.["item"] as { seenAuth: string }).seenAuth).toBe("Bearer TOKEN-A");
    expect(cacheStatuses(a2)).toEqual(["coalesced"]);
    expect(
      world
        .calls("/v1/items/a")
        .map((r) => r.headers.authorization)
        .sort(),
    ).toEqual(["Bearer TOKEN-A", "Bearer TOKEN-B"]);
  });

  it("concurrent reads under @cache(scope: PUBLIC) are coalesced, credentials or not", async () => {
    const results = await meet(
      {},
      () => [asUser("Bearer TOKEN-A", "publicItem"), asUser("Bearer TOKEN-B", "publicItem")],
      () => trestle.cache.joined === 1,
      "the second read joining the first one's call",
    );
    expect(results.map((r) => cacheStatuses(r)[0]).sort()).toEqual(["coalesced", "miss"]);
    expect(world.calls("/v1/items/a")).toHaveLength(1);
  });

  it("a private answer to a request with credentials is kept for that identity only", async () => {
    answer({ "cache-control": "private, max-age=30" });
    await asUser("Bearer TOKEN-A");
    expect(cacheStatuses(await asUser("Bearer TOKEN-A"))).toEqual(["hit"]);
    expect((await asUser("Bearer TOKEN-B")).data).toEqual({ item: { seenAuth: "Bearer TOKEN-B", serial: 2 } });
    expect(world.calls("/v1/items/a")).toHaveLength(2);
  });

  // Changed deliberately (C19): RFC 9111 lets a shared cache share these; a BFF holding every user's token must not.
  it("C19: the upstream's public (or s-maxage) no longer shares an answer to a request with credentials", async () => {
    for (const cacheControl of ["public, max-age=30", "s-maxage=30"]) {
      resetWorld(world);
      await trestle.close();
      trestle = await createCacheTrestle(world);
      answer({ "cache-control": cacheControl });
      await asUser("Bearer TOKEN-A");
      const b = await asUser("Bearer TOKEN-B");
      expect(b.data).toEqual({ item: { seenAuth: "Bearer TOKEN-B", serial: 2 } });
      expect(cacheStatuses(b)).toEqual(["miss"]);
      expect(cacheStatuses(await asUser("Bearer TOKEN-A"))).toEqual(["hit"]);
      expect(world.calls("/v1/items/a")).toHaveLength(2);
    }
  });

  it("@cache(scope: PUBLIC) shares across identities, even when the upstream says nothing", async () => {
    answer({});
    await asUser("Bearer TOKEN-A", "publicItem");
    const b = await asUser("Bearer TOKEN-B", "publicItem");
    expect(b.data).toEqual({ publicItem: { seenAuth: "Bearer TOKEN-A", serial: 1 } });
    expect(world.calls("/v1/items/a")).toHaveLength(1);
  });

  // Changed deliberately (C18): the schema author's scope wins over the upstream's private.
  it("C18: @cache(scope: PUBLIC) shares even an upstream private answer", async () => {
    answer({ "cache-control": "private, max-age=30" });
    await asUser("Bearer TOKEN-A", "publicItem");
    expect((await asUser("Bearer TOKEN-B", "publicItem")).data).toEqual({ publicItem: { seenAuth: "Bearer TOKEN-A", serial: 1 } });
  });

  it("@cache(scope: PRIVATE) keeps even a public answer per identity", async () => {
    answer({ "cache-control": "public, max-age=30" });
    await asUser("Bearer TOKEN-A", "privateItem");
    expect((await asUser("Bearer TOKEN-B", "privateItem")).data).toEqual({ privateItem: { seenAuth: "Bearer TOKEN-B", serial: 2 } });
    expect(cacheStatuses(await asUser("Bearer TOKEN-A", "privateItem"))).toEqual(["hit"]);
  });

  it("a shared answer stored for anonymous callers is not served to callers with credentials", async () => {
    await asUser(undefined);
    const a = await asUser("Bearer TOKEN-A");
    expect(a.data).toEqual({ item: { seenAuth: "Bearer TOKEN-A", serial: 2 } });
  });

  it("a client header forwarded through {header.X} is an identity too", async () => {
    const tenant = (name: string) => query(trestle, `{ tenantItem(id: "a") { seenTenant serial } }`, {}, { "x-tenant": name });
    expect((await tenant("t1")).data).toEqual({ tenantItem: { seenTenant: "t1", serial: 1 } });
    expect((await tenant("t2")).data).toEqual({ tenantItem: { seenTenant: "t2", serial: 2 } });
    expect(cacheStatuses(await tenant("t1"))).toEqual(["hit"]);
  });
});
