import { describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { type CacheWorld, sendItem, useCacheTrestle } from "./cache-fixture.js";

let world: CacheWorld;
let trestle: Trestle;
useCacheTrestle((w, t) => ((world = w), (trestle = t)), { debug: false });

/** The Cache-Control header of the GraphQL response (null when absent). */
async function cacheControlOf(document: string, headers: Record<string, string> = {}): Promise<string | null> {
  const response = await trestle.fetch(
    new Request("http://trestle.test/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify({ query: document }),
    }),
  );
  await response.text();
  return response.headers.get("cache-control");
}

describe("the GraphQL response's Cache-Control", () => {
  it("is public with the least remaining max-age of the operation's reads", async () => {
    expect(await cacheControlOf(`{ cachedItem(id: "a") { id } }`)).toBe("public, max-age=30");
    world.clock.advance(12);
    expect(await cacheControlOf(`{ cachedItem(id: "a") { id } }`)).toBe("public, max-age=18");
    expect(await cacheControlOf(`{ cachedItem(id: "a") { id } shortItem(id: "b") { id } }`)).toBe("public, max-age=10");
  });

  it("is absent when any read was per identity", async () => {
    expect(await cacheControlOf(`{ item(id: "a") { id } }`, { authorization: "Bearer A" })).toBeNull();
    expect(await cacheControlOf(`{ privateItem(id: "a") { id } }`)).toBeNull();
  });

  it("is absent when any read was uncacheable", async () => {
    world.reply = (req, res, serial) =>
      sendItem(req, res, serial, { "cache-control": req.url.endsWith("/b") ? "no-store" : "max-age=30" }, world.clock);
    expect(await cacheControlOf(`{ a: item(id: "a") { id } b: item(id: "b") { id } }`)).toBeNull();
    expect(await cacheControlOf(`{ a: item(id: "a") { id } }`)).toBe("public, max-age=30");
  });

  it("is absent for mutations, errors, and operations that read nothing upstream", async () => {
    expect(await cacheControlOf(`mutation { updateItem(id: "a", name: "x") { id } }`)).toBeNull();
    expect(await cacheControlOf(`{ __typename }`)).toBeNull();
    world.reply = (_req, res) => {
      res.writeHead(500, { "content-type": "application/json" });
      res.end("{}");
    };
    expect(await cacheControlOf(`{ item(id: "zz") { id } }`)).toBeNull();
  });

  it("is absent when a stale answer was served", async () => {
    world.reply = (req, res, serial) =>
      sendItem(req, res, serial, { "cache-control": "max-age=1, stale-while-revalidate=60" }, world.clock);
    await cacheControlOf(`{ item(id: "a") { id } }`);
    world.clock.advance(3);
    expect(await cacheControlOf(`{ item(id: "a") { id } }`)).toBeNull();
  });
});
