import { describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { cacheStatuses, type CacheWorld, createCacheTrestle, query, sendItem, useCacheTrestle } from "./cache-fixture.js";

let world: CacheWorld;
let trestle: Trestle;
useCacheTrestle((w, t) => ((world = w), (trestle = t)));

const item = (id: string, token?: string) =>
  query(trestle, `{ item(id: "${id}") { serial } }`, {}, token === undefined ? {} : { authorization: token });
const items = () => query(trestle, `{ items { id } }`);

describe("invalidation after writes", () => {
  it("C12: a successful PUT purges the path and its parent collection, for every identity", async () => {
    await item("a");
    await item("a", "Bearer A");
    await item("b");
    await items();
    expect(trestle.cache.size).toBe(4);
    const update = await query(trestle, `mutation { updateItem(id: "a", name: "new") { id } }`);
    expect(update.errors).toBeUndefined();
    expect(world.calls("/v1/items/a", "PUT")).toHaveLength(1);
    expect(cacheStatuses(await item("a"))).toEqual(["miss"]);
    expect(cacheStatuses(await item("a", "Bearer A"))).toEqual(["miss"]);
    expect(cacheStatuses(await items())).toEqual(["miss"]);
    expect(cacheStatuses(await item("b"))).toEqual(["hit"]);
  });

  it("a POST to a sub-resource purges its parent: /items/a/predict → /items/a", async () => {
    await item("a");
    await items();
    await query(trestle, `mutation { predict(id: "a") { id } }`);
    expect(cacheStatuses(await item("a"))).toEqual(["miss"]);
    expect(cacheStatuses(await items())).toEqual(["hit"]);
  });

  it("a failed write purges nothing", async () => {
    await item("a");
    world.reply = (req, res, serial) => {
      if (req.method === "PUT") {
        res.writeHead(409, { "content-type": "application/json" });
        res.end("{}");
        return;
      }
      sendItem(req, res, serial, { "cache-control": "max-age=30" }, world.clock);
    };
    await query(trestle, `mutation { updateItem(id: "a", name: "new") { id } }`);
    expect(cacheStatuses(await item("a"))).toEqual(["hit"]);
  });

  it("a read in flight while its path is written is not stored", async () => {
    let release: () => void = () => undefined;
    world.reply = (req, res, serial) => {
      if (req.method === "GET" && serial === 1) {
        return new Promise<void>((resolve) => {
          release = () => {
            sendItem(req, res, serial, { "cache-control": "max-age=30" }, world.clock);
            resolve();
          };
        });
      }
      return sendItem(req, res, serial, { "cache-control": "max-age=30" }, world.clock);
    };
    const before = item("a");
    await world.upstream.waitForRequests(1);
    await query(trestle, `mutation { updateItem(id: "a", name: "new") { id } }`);
    release();
    expect((await before).data).toEqual({ item: { serial: 1 } });
    expect(cacheStatuses(await item("a"))).toEqual(["miss"]);
  });
});

describe("trestle.cache.purge", () => {
  it("purges one upstream's entries under a path prefix, segment-wise, and says how many", async () => {
    await item("a");
    await item("b");
    await items();
    expect(trestle.cache.purge("api", "/items/a")).toBe(1);
    expect(cacheStatuses(await item("b"))).toEqual(["hit"]);
    expect(trestle.cache.purge("api", "/item")).toBe(0);
    expect(trestle.cache.purge("api", "/items/")).toBe(2);
    await item("a");
    expect(trestle.cache.purge("api")).toBe(1);
    expect(trestle.cache.size).toBe(0);
    expect(trestle.cache.calculatedSize).toBe(0);
  });

  it("refuses an unknown upstream or a malformed prefix", () => {
    expect(() => trestle.cache.purge("nope")).toThrow('cache.purge: no upstream named "nope" (upstreams: api)');
    expect(() => trestle.cache.purge("api", "items")).toThrow(
      'cache.purge: pathPrefix must be a path starting with "/" and without a query, like "/models", received "items"',
    );
  });

  it("reports its size and bound", async () => {
    await item("a");
    expect(trestle.cache.size).toBe(1);
    expect(trestle.cache.calculatedSize).toBeGreaterThan(0);
    expect(trestle.cache.maxSize).toBe(52_428_800);
  });
});

describe("cache: { enabled: false }", () => {
  it("sends every read upstream and stores nothing", async () => {
    await trestle.close();
    trestle = await createCacheTrestle(world, { cache: { enabled: false } });
    await item("a");
    const again = await item("a");
    expect(again.data).toEqual({ item: { serial: 2 } });
    expect(cacheStatuses(again)).toEqual([undefined]);
    expect(trestle.cache.size).toBe(0);
    expect(trestle.cache.purge("api")).toBe(0);
  });
});
