import { describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { cacheStatuses, type CacheWorld, query, sendItem, useCacheTrestle } from "./cache-fixture.js";

let world: CacheWorld;
let trestle: Trestle;
useCacheTrestle((w, t) => ((world = w), (trestle = t)));

/** A passthrough request as a browser would send it; the JSON body (or null) and the answer. */
async function rest(path: string, headers: Record<string, string> = {}, method = "GET") {
  const response = await trestle.fetch(
    new Request(`http://trestle.test/rest/api${path}`, { method, headers: { accept: "application/json", ...headers } }),
  );
  const text = await response.text();
  return { response, body: text === "" ? null : (JSON.parse(text) as Record<string, unknown>) };
}

describe("passthrough reads through the shared cache", () => {
  it("a GET through passthrough and the same resource through GraphQL share one cache entry", async () => {
    const first = await rest("/items/a");
    expect(first.response.status).toBe(200);
    expect(first.body).toMatchObject({ id: "a", serial: 1 });
    const viaGraphQL = await query(trestle, `{ item(id: "a") { id serial } }`);
    expect(viaGraphQL.data).toEqual({ item: { id: "a", serial: 1 } });
    expect(cacheStatuses(viaGraphQL)).toEqual(["hit"]);
    // And the other way round.
    await query(trestle, `{ item(id: "b") { id serial } }`);
    const second = await rest("/items/b");
    expect(second.body).toMatchObject({ id: "b", serial: 2 });
    expect(world.upstream.requests).toHaveLength(2);
    expect(trestle.cache.size).toBe(2);
  });

  it("a hit carries Age and the stored headers, with the body's own length", async () => {
    await rest("/items/a");
    world.clock.advance(7);
    const hit = await rest("/items/a");
    expect(hit.response.headers.get("age")).toBe("7");
    expect(hit.response.headers.get("cache-control")).toBe("max-age=30");
    expect(hit.response.headers.get("content-type")).toBe("application/json");
    expect(Number(hit.response.headers.get("content-length"))).toBe(JSON.stringify(hit.body).length);
    expect(world.upstream.requests).toHaveLength(1);
  });

  it("says what the cache did in Cache-Status (RFC 9211), after the upstream's own entry", async () => {
    const status = async (path: string, headers: Record<string, string> = {}, method = "GET") =>
      (await rest(path, headers, method)).response.headers.get("cache-status");
    expect(await status("/items/a")).toBe("Trestle; fwd=miss; fwd-status=200; stored; ttl=30");
    world.clock.advance(12);
    expect(await status("/items/a")).toBe("Trestle; hit; ttl=18");
    world.reply = (req, res, serial) =>
      sendItem(req, res, serial, { "cache-control": "no-store", "cache-status": "OriginCache; hit" }, world.clock);
    expect(await status("/items/b")).toBe('OriginCache; hit, Trestle; fwd=miss; fwd-status=200; detail="not stored: no-store"');
    expect(await status("/items/b", { range: "bytes=0-3" })).toBe("OriginCache; hit, Trestle; fwd=bypass");
    expect(await status("/items/b", {}, "POST")).toBe("OriginCache; hit, Trestle; fwd=method");
    world.reply = (req, res, serial) =>
      sendItem(req, res, serial, { "cache-control": "max-age=1, stale-while-revalidate=30" }, world.clock);
    await status("/items/c");
    world.clock.advance(5);
    expect(await status("/items/c")).toBe("Trestle; hit; detail=stale");
  });

  it("C01 through passthrough: two authorization values never see each other's data", async () => {
    const a = await rest("/items/a", { authorization: "Bearer TOKEN-A" });
    const b = await rest("/items/a", { authorization: "Bearer TOKEN-B" });
    expect(a.body).toMatchObject({ seenAuth: "Bearer TOKEN-A", serial: 1 });
    expect(b.body).toMatchObject({ seenAuth: "Bearer TOKEN-B", serial: 2 });
    expect((await rest("/items/a", { authorization: "Bearer TOKEN-A" })).body).toMatchObject({ seenAuth: "Bearer TOKEN-A", serial: 1 });
    expect((await rest("/items/a")).body).toMatchObject({ seenAuth: null, serial: 3 });
    // GraphQL with B's token gets B's entry, never A's.
    const viaGraphQL = await query(trestle, `{ item(id: "a") { seenAuth serial } }`, {}, { authorization: "Bearer TOKEN-B" });
    expect(viaGraphQL.data).toEqual({ item: { seenAuth: "Bearer TOKEN-B", serial: 2 } });
    expect(world.calls("/v1/items/a")).toHaveLength(3);
  });

  it("answers the client's If-None-Match from the stored answer (304)", async () => {
    world.reply = (req, res, serial) => sendItem(req, res, serial, { etag: '"v1"', "cache-control": "max-age=30" }, world.clock);
    await rest("/items/a");
    const notModified = await rest("/items/a", { "if-none-match": 'W/"v1"' });
    expect(notModified.response.status).toBe(304);
    expect(notModified.response.headers.get("etag")).toBe('"v1"');
    expect(notModified.body).toBeNull();
    expect((await rest("/items/a", { "if-none-match": '"v0"' })).response.status).toBe(200);
    expect(world.upstream.requests).toHaveLength(1);
    expect(world.upstream.requests[0]!.headers["if-none-match"]).toBeUndefined();
  });

  it("HEAD is cached on its own and answers without a body", async () => {
    const head = await rest("/items/a", {}, "HEAD");
    expect(head.response.status).toBe(200);
    expect(head.body).toBeNull();
    await rest("/items/a", {}, "HEAD");
    expect(world.calls("/v1/items/a", "HEAD")).toHaveLength(1);
  });

  it("range requests are streamed straight through, never cached", async () => {
    await rest("/items/a", { range: "bytes=0-3" });
    await rest("/items/a", { range: "bytes=0-3" });
    expect(world.calls("/v1/items/a")).toHaveLength(2);
    expect(trestle.cache.size).toBe(0);
  });

  it("a successful passthrough write purges like a @rest write", async () => {
    await query(trestle, `{ item(id: "a") { id } }`);
    const posted = await rest("/items/a/predict", {}, "POST");
    expect(posted.response.status).toBe(200);
    expect(cacheStatuses(await query(trestle, `{ item(id: "a") { id } }`))).toEqual(["miss"]);
  });
});
