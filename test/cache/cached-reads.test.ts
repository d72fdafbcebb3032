import { describe, expect, it, vi } from "vitest";
import type { Trestle } from "../../src/index.js";
import { createGate, until } from "../helpers/gate.js";
import { queryThenLeave } from "../helpers/graphql.js";
import { cacheStatuses, type CacheWorld, createCacheTrestle, query, sendItem, useCacheTrestle } from "./cache-fixture.js";

let world: CacheWorld;
let trestle: Trestle;
useCacheTrestle((w, t) => ((world = w), (trestle = t)));

const item = (id: string) => query(trestle, `query($id: String!) { item(id: $id) { id name serial } }`, { id });
const answer = (world: CacheWorld, headers: Record<string, string>) => {
  world.reply = (req, res, serial) => sendItem(req, res, serial, headers, world.clock);
};

describe("freshness", () => {
  it("repeat reads within max-age make no upstream call, and share one answer", async () => {
    const first = await item("a");
    expect(first.data).toEqual({ item: { id: "a", name: "item-a", serial: 1 } });
    world.clock.advance(29);
    for (let i = 0; i < 5; i++) {
      const again = await item("a");
      expect(again.data).toEqual(first.data);
      expect(cacheStatuses(again)).toEqual(["hit"]);
    }
    expect(world.calls("/v1/items/a")).toHaveLength(1);
    expect(trestle.cache.size).toBe(1);
  });

  it("an expired answer is fetched again", async () => {
    await item("a");
    world.clock.advance(30);
    const after = await item("a");
    expect(after.data).toEqual({ item: { id: "a", name: "item-a", serial: 2 } });
    expect(cacheStatuses(after)).toEqual(["miss"]);
    expect(world.calls("/v1/items/a")).toHaveLength(2);
  });

  it("Age and Date count: an answer 25 s old at arrival is fresh for 5 s more", async () => {
    answer(world, { "cache-control": "max-age=30", age: "25" });
    await item("a");
    world.clock.advance(4);
    expect(cacheStatuses(await item("a"))).toEqual(["hit"]);
    world.clock.advance(1);
    expect(cacheStatuses(await item("a"))).toEqual(["miss"]);
  });

  it("Expires − Date gives the lifetime when there is no max-age", async () => {
    world.reply = (req, res, serial) =>
      sendItem(req, res, serial, { expires: new Date(world.clock.now() + 20_000).toUTCString() }, world.clock);
    await item("a");
    world.clock.advance(19);
    expect(cacheStatuses(await item("a"))).toEqual(["hit"]);
    world.clock.advance(1);
    expect(cacheStatuses(await item("a"))).toEqual(["miss"]);
  });

  it("@cache(maxAge:) on the field wins over the upstream's Cache-Control", async () => {
    answer(world, { "cache-control": "max-age=0" });
    const read = () => query(trestle, `{ cachedItem(id: "a") { serial } }`);
    await read();
    world.clock.advance(29);
    expect(cacheStatuses(await read())).toEqual(["hit"]);
    expect(world.calls("/v1/items/a")).toHaveLength(1);
  });

  it("an answer without freshness or validator is not stored", async () => {
    answer(world, {});
    await item("a");
    const again = await item("a");
    expect(again.data).toEqual({ item: { id: "a", name: "item-a", serial: 2 } });
    expect(world.calls("/v1/items/a")).toHaveLength(2);
  });

  it("C06: different variables, different answers", async () => {
    expect((await item("a")).data).toEqual({ item: { id: "a", name: "item-a", serial: 1 } });
    expect((await item("b")).data).toEqual({ item: { id: "b", name: "item-b", serial: 2 } });
    expect((await item("a")).data).toEqual({ item: { id: "a", name: "item-a", serial: 1 } });
  });

  it("C11: a header built from an argument is part of the key", async () => {
    const read = (v: string) => query(trestle, `query($v: String!) { versioned(id: "a", v: $v) { seenVersion } }`, { v });
    expect((await read("1")).data).toEqual({ versioned: { seenVersion: "1" } });
    expect((await read("2")).data).toEqual({ versioned: { seenVersion: "2" } });
    expect((await read("1")).data).toEqual({ versioned: { seenVersion: "1" } });
    expect(world.calls("/v1/items/a")).toHaveLength(2);
  });
});

describe("what is never stored", () => {
  it("C03: no-store is never stored", async () => {
    answer(world, { "cache-control": "no-store, max-age=60" });
    await item("a");
    await item("a");
    expect(world.calls("/v1/items/a")).toHaveLength(2);
    expect(trestle.cache.size).toBe(0);
  });

  it("C03: a private answer to a request without credentials is never stored", async () => {
    answer(world, { "cache-control": "private, max-age=60" });
    await item("a");
    await item("a");
    expect(world.calls("/v1/items/a")).toHaveLength(2);
  });

  it("C03: a Set-Cookie answer is never stored at a shared key", async () => {
    answer(world, { "cache-control": "max-age=60", "set-cookie": "session=abc" });
    await item("a");
    await item("a");
    expect(world.calls("/v1/items/a")).toHaveLength(2);
  });

  it("C04: Vary: * is never stored", async () => {
    answer(world, { "cache-control": "max-age=60", vary: "*" });
    await item("a");
    await item("a");
    expect(world.calls("/v1/items/a")).toHaveLength(2);
  });

  it.each([500, 502, 401, 403, 429, 404])("C05: a %i answer is not stored", async (status) => {
    world.reply = (_req, res) => {
      res.writeHead(status, { "content-type": "application/json", "cache-control": "max-age=60" });
      res.end("{}");
    };
    await item("a");
    await item("a");
    expect(world.calls("/v1/items/a")).toHaveLength(2);
    expect(trestle.cache.size).toBe(0);
  });

  it("C05: a timeout is not stored", async () => {
    let first = true;
    world.reply = (req, res, serial) => {
      if (first) first = false;
      else return sendItem(req, res, serial, { "cache-control": "max-age=60" }, world.clock);
      // never answers: the 1000 ms timeout fires
    };
    const timedOut = await item("a");
    expect(timedOut.errors?.[0]?.extensions?.["code"]).toBe("UPSTREAM_TIMEOUT");
    expect((await item("a")).data).toEqual({ item: { id: "a", name: "item-a", serial: 2 } });
  });

  it("C14: a body cut off mid-stream is not stored", async () => {
    let first = true;
    world.reply = (req, res, serial) => {
      if (!first) return sendItem(req, res, serial, { "cache-control": "max-age=60" }, world.clock);
      first = false;
      res.writeHead(200, { "content-type": "application/json", "content-length": "100", "cache-control": "max-age=60" });
      // Reset once the half body is on the wire.
      res.write('{"id": "a", "na', () => res.socket?.destroy());
    };
    const broken = await item("a");
    expect(broken.errors).toHaveLength(1);
    expect((await item("a")).data).toEqual({ item: { id: "a", name: "item-a", serial: 2 } });
    expect(world.calls("/v1/items/a")).toHaveLength(2);
  });
});

describe("Vary", () => {
  it("a Vary on a header Trestle does not send still caches (one variant)", async () => {
    answer(world, { "cache-control": "max-age=60", vary: "Accept-Language" });
    await item("a");
    expect(cacheStatuses(await item("a"))).toEqual(["hit"]);
    expect(world.calls("/v1/items/a")).toHaveLength(1);
  });

  it("C04: public + Vary: Authorization keeps one answer per authorization", async () => {
    answer(world, { "cache-control": "public, max-age=60", vary: "Authorization" });
    const read = (token: string) => query(trestle, `{ item(id: "a") { seenAuth serial } }`, {}, { authorization: token });
    expect((await read("Bearer A")).data).toEqual({ item: { seenAuth: "Bearer A", serial: 1 } });
    expect((await read("Bearer B")).data).toEqual({ item: { seenAuth: "Bearer B", serial: 2 } });
    expect((await read("Bearer A")).data).toEqual({ item: { seenAuth: "Bearer A", serial: 1 } });
    expect((await read("Bearer B")).data).toEqual({ item: { seenAuth: "Bearer B", serial: 2 } });
    expect(world.calls("/v1/items/a")).toHaveLength(2);
  });
});

describe("revalidation", () => {
  it("ETag: a stale entry is revalidated with If-None-Match and a 304 refreshes it without a body", async () => {
    world.reply = (req, res, serial) => {
      if (req.headers["if-none-match"] === '"v1"') {
        res.writeHead(304, { etag: '"v1"', "cache-control": "max-age=20", date: world.clock.httpDate() });
        res.end();
        return;
      }
      sendItem(req, res, serial, { etag: '"v1"', "cache-control": "max-age=5" }, world.clock);
    };
    const first = await item("a");
    world.clock.advance(6);
    const revalidated = await item("a");
    expect(revalidated.data).toEqual(first.data);
    expect(cacheStatuses(revalidated)).toEqual(["revalidated"]);
    const conditional = world.calls("/v1/items/a")[1]!;
    expect(conditional.headers["if-none-match"]).toBe('"v1"');
    // The 304's max-age=20 now counts.
    world.clock.advance(19);
    expect(cacheStatuses(await item("a"))).toEqual(["hit"]);
    expect(world.calls("/v1/items/a")).toHaveLength(2);
  });

  it("Last-Modified: revalidated with If-Modified-Since", async () => {
    const lastModified = "Sun, 01 Mar 2026 10:00:00 GMT";
    world.reply = (req, res, serial) => {
      if (req.headers["if-modified-since"] === lastModified) {
        res.writeHead(304, { "cache-control": "max-age=5" });
        res.end();
        return;
      }
      sendItem(req, res, serial, { "last-modified": lastModified, "cache-control": "max-age=5" }, world.clock);
    };
    await item("a");
    world.clock.advance(6);
    expect(cacheStatuses(await item("a"))).toEqual(["revalidated"]);
    expect(world.calls("/v1/items/a")[1]!.headers["if-modified-since"]).toBe(lastModified);
  });

  it("a changed resource (200 to the conditional request) replaces the entry", async () => {
    world.reply = (req, res, serial) => sendItem(req, res, serial, { etag: `"v${serial}"`, "cache-control": "max-age=5" }, world.clock);
    await item("a");
    world.clock.advance(6);
    const changed = await item("a");
    expect(changed.data).toEqual({ item: { id: "a", name: "item-a", serial: 2 } });
    expect(cacheStatuses(changed)).toEqual(["miss"]);
    expect(cacheStatuses(await item("a"))).toEqual(["hit"]);
  });

  it("no-cache always revalidates", async () => {
    world.reply = (req, res, serial) => {
      if (req.headers["if-none-match"] === '"v1"') {
        res.writeHead(304, { etag: '"v1"', "cache-control": "no-cache" });
        res.end();
        return;
      }
      sendItem(req, res, serial, { etag: '"v1"', "cache-control": "no-cache" }, world.clock);
    };
    await item("a");
    expect(cacheStatuses(await item("a"))).toEqual(["revalidated"]);
    expect(cacheStatuses(await item("a"))).toEqual(["revalidated"]);
    expect(world.calls("/v1/items/a")).toHaveLength(3);
  });
});

describe("stale-while-revalidate", () => {
  it("serves the stale entry at once and refreshes it once in the background", async () => {
    let release: () => void = () => undefined;
    world.reply = (req, res, serial) => {
      const headers = { "cache-control": "max-age=1, stale-while-revalidate=30" };
      if (serial === 1) return sendItem(req, res, serial, headers, world.clock);
      // The refresh is held until the test lets it go.
      return new Promise<void>((resolve) => {
        release = () => {
          sendItem(req, res, serial, headers, world.clock);
          resolve();
        };
      });
    };
    await item("a");
    world.clock.advance(2);
    // "At once": the refresh is held until released below, so these answers cannot have waited for it.
    const stale = await Promise.all([item("a"), item("a"), item("a")]);
    for (const result of stale) {
      expect(result.data).toEqual({ item: { id: "a", name: "item-a", serial: 1 } });
      expect(cacheStatuses(result)).toEqual(["stale"]);
    }
    await vi.waitFor(() => expect(world.calls("/v1/items/a")).toHaveLength(2));
    release();
    await vi.waitFor(async () => expect((await item("a")).data).toEqual({ item: { id: "a", name: "item-a", serial: 2 } }));
    expect(world.calls("/v1/items/a")).toHaveLength(2);
  });

  it("@cache(staleWhileRevalidate:) on the field gives the window", async () => {
    answer(world, { "cache-control": "max-age=1" });
    const read = () => query(trestle, `{ swrItem(id: "a") { serial } }`);
    await read();
    world.clock.advance(5);
    expect(cacheStatuses(await read())).toEqual(["stale"]);
    await vi.waitFor(async () => expect((await read()).data).toEqual({ swrItem: { serial: 2 } }));
  });

  it("past the window the read waits for the upstream", async () => {
    answer(world, { "cache-control": "max-age=1, stale-while-revalidate=5" });
    await item("a");
    world.clock.advance(7);
    const fresh = await item("a");
    expect(cacheStatuses(fresh)).toEqual(["miss"]);
    expect(fresh.data).toEqual({ item: { id: "a", name: "item-a", serial: 2 } });
  });
});

describe("stale-if-error", () => {
  const failWith = (status: number) => {
    world.reply = (_req, res) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end('{"detail": "down"}');
    };
  };

  it("C09: serves the stale entry when the upstream fails, within the window, then errors", async () => {
    answer(world, { "cache-control": "max-age=1, stale-if-error=60" });
    const first = await item("a");
    world.clock.advance(30);
    failWith(503);
    const stale = await item("a");
    expect(stale.errors).toBeUndefined();
    expect(stale.data).toEqual(first.data);
    expect(cacheStatuses(stale)).toEqual(["stale"]);
    world.clock.advance(40);
    const failed = await item("a");
    expect(failed.errors?.[0]?.extensions).toMatchObject({ code: "UPSTREAM_ERROR", status: 503 });
  });

  it("C09: serves stale when the upstream times out, with the staleIfErrorSeconds option", async () => {
    await trestle.close();
    trestle = await createCacheTrestle(world, { cache: { staleIfErrorSeconds: 60 } });
    const first = await item("a");
    world.clock.advance(40);
    world.reply = () => undefined; // never answers
    const stale = await item("a");
    expect(stale.data).toEqual(first.data);
    expect(cacheStatuses(stale)).toEqual(["stale"]);
  });

  it("C09: serves stale when the upstream is down (connection refused)", async () => {
    const { startTestUpstream, sendJson } = await import("../helpers/test-upstream.js");
    const down = await startTestUpstream((_req, res) =>
      sendJson(res, 200, { id: "a", serial: 1 }, { "cache-control": "max-age=1, stale-if-error=60", date: world.clock.httpDate() }),
    );
    const own = await createCacheTrestle(world, { env: { API_URL: down.url } });
    try {
      const first = await query(own, `{ item(id: "a") { id serial } }`);
      await down.close();
      world.clock.advance(10);
      const stale = await query(own, `{ item(id: "a") { id serial } }`);
      expect(stale.data).toEqual(first.data);
      expect(cacheStatuses(stale)).toEqual(["stale"]);
      world.clock.advance(60);
      const failed = await query(own, `{ item(id: "a") { id serial } }`);
      expect(failed.errors?.[0]?.extensions?.["code"]).toBe("UPSTREAM_UNAVAILABLE");
    } finally {
      await own.close();
    }
  });

  it("must-revalidate forbids serving stale", async () => {
    answer(world, { "cache-control": "max-age=1, must-revalidate, stale-if-error=60" });
    await item("a");
    world.clock.advance(5);
    failWith(500);
    expect((await item("a")).errors?.[0]?.extensions).toMatchObject({ code: "UPSTREAM_ERROR", status: 500 });
  });
});

describe("coalescing", () => {
  // The first read's upstream answer is held until the test has seen the others join its call
  // (trestle.cache.joined), so the order never depends on timing.
  const holdFirstAnswer = (headers: Record<string, string>) => {
    const gate = createGate();
    world.reply = async (req, res, serial) => {
      if (serial === 1) await gate.opened;
      sendItem(req, res, serial, headers, world.clock);
    };
    return gate;
  };

  it("L03: 200 concurrent identical requests make one upstream call", async () => {
    const gate = holdFirstAnswer({ "cache-control": "max-age=30" });
    const pending = Promise.all(Array.from({ length: 200 }, () => item("a")));
    await until(() => trestle.cache.joined === 199, "199 reads joining the first one's call");
    gate.open();
    const results = await pending;
    expect(world.calls("/v1/items/a")).toHaveLength(1);
    for (const result of results) expect(result.data).toEqual({ item: { id: "a", name: "item-a", serial: 1 } });
    const statuses = results.map((r) => cacheStatuses(r)[0]);
    expect(statuses.filter((s) => s === "miss")).toHaveLength(1);
    expect(statuses.filter((s) => s === "coalesced")).toHaveLength(199);
  });

  it("answers that may not be shared are not handed to the coalesced callers", async () => {
    const gate = holdFirstAnswer({ "cache-control": "no-store" });
    const pending = Promise.all([item("a"), item("a"), item("a")]);
    await until(() => trestle.cache.joined === 2, "two reads joining the first one's call");
    gate.open();
    const results = await pending;
    expect(new Set(results.map((r) => (r.data?.["item"] as { serial: number }).serial)).size).toBe(3);
    expect(world.calls("/v1/items/a")).toHaveLength(3);
  });

  it("an answer without freshness is not stored, but still shared with the reads that waited for it", async () => {
    const gate = holdFirstAnswer({});
    const pending = Promise.all([item("a"), item("a"), item("a")]);
    await until(() => trestle.cache.joined === 2, "two reads joining the first one's call");
    gate.open();
    const results = await pending;
    for (const result of results) expect(result.data).toEqual({ item: { id: "a", name: "item-a", serial: 1 } });
    expect(world.calls("/v1/items/a")).toHaveLength(1);
    expect(trestle.cache.size).toBe(0);
  });

  it("F15: when every caller waiting for a shared call has gone, the call is abandoned and stores nothing", async () => {
    // The first call is never answered: the upstream only sees it closed once it is abandoned.
    const abandoned = createGate();
    world.reply = (req, res, serial) => {
      if (serial === 1) res.once("close", () => abandoned.open());
      else sendItem(req, res, serial, { "cache-control": "max-age=30" }, world.clock);
    };
    const first = queryThenLeave(trestle, `{ item(id: "a") { serial } }`);
    await until(() => world.calls("/v1/items/a").length === 1, "the shared call reaching the upstream");
    const second = queryThenLeave(trestle, `{ item(id: "a") { serial } }`);
    await until(() => trestle.cache.joined === 1, "the second caller joining it");
    first.leave();
    second.leave();
    await Promise.all([first.done, second.done]);
    await abandoned.opened;
    expect(world.calls("/v1/items/a")).toHaveLength(1);
    expect(trestle.cache.size).toBe(0);
    const next = await item("a");
    expect(cacheStatuses(next)).toEqual(["miss"]);
    expect(next.data).toEqual({ item: { id: "a", name: "item-a", serial: 2 } });
  });

  it("C10: a caller that goes away does not spoil the shared call", async () => {
    const gate = holdFirstAnswer({ "cache-control": "max-age=30" });
    const gone = queryThenLeave(trestle, `{ item(id: "a") { serial } }`);
    await until(() => world.calls("/v1/items/a").length === 1, "the shared call reaching the upstream");
    const staying = item("a");
    // Once the second caller has joined the call (alone, the first caller's leaving would abandon it: F15).
    await until(() => trestle.cache.joined === 1, "the second caller joining it");
    // Its leaving is counted at once (the abort's listener): only then does the upstream answer.
    gone.leave();
    gate.open();
    await gone.done;
    expect((await staying).data).toEqual({ item: { id: "a", name: "item-a", serial: 1 } });
    expect(cacheStatuses(await item("a"))).toEqual(["hit"]);
    expect(world.calls("/v1/items/a")).toHaveLength(1);
  });
});
