import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { parseRetryAfter } from "../../src/upstream/create-resilience.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { query, queryThenLeave } from "../helpers/graphql.js";
import { hitsOf, sendJson, startTestUpstream, writeWithBackpressure, type TestUpstream } from "../helpers/test-upstream.js";

// A misbehaving upstream on 127.0.0.1, one fault per path. Every case: bounded time, the
// documented code, the other field still answered, the server still serving afterwards.
let upstream: TestUpstream;
/** 50 MB of spaces in about 50 KB, made once (compressing it inside the handler would stall the loop). */
const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024, 0x20));
/** One MiB of a JSON array's items, written 50 times as the client reads them (never buffered whole). */
const megabyte = Buffer.from(`{"pad": "${"x".repeat(1024 * 1024 - 12)}"},`);

beforeAll(async () => {
  upstream = await startTestUpstream(async (req, res) => {
    const path = req.url.split("?")[0]!;
    const n = hitsOf(upstream, path);
    switch (path) {
      case "/ok":
        return sendJson(res, 200, { id: "ok" });
      case "/burst-503":
        return n <= 2 ? sendJson(res, 503, {}) : sendJson(res, 200, { id: "after-burst" });
      case "/always-503":
        return sendJson(res, 503, {});
      case "/always-500":
        return sendJson(res, 500, {});
      case "/reset-then-ok":
        if (n === 1) return res.socket?.destroy();
        return sendJson(res, 200, { id: "after-reset" });
      case "/retry-after-1":
        return n === 1 ? sendJson(res, 429, {}, { "retry-after": "1" }) : sendJson(res, 200, { id: "after-wait" });
      case "/retry-after-60":
        return sendJson(res, 429, {}, { "retry-after": "60" });
      case "/slow-headers":
        await new Promise((resolve) => setTimeout(resolve, 2_000));
        return sendJson(res, 200, { id: "late" });
      case "/trickle":
        res.writeHead(200, { "content-type": "application/json" });
        res.write('{"id": "');
        for (let i = 0; i < 20 && !res.destroyed; i++) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          res.write("x");
        }
        return res.end('"}');
      case "/reset-mid-body":
        res.writeHead(200, { "content-type": "application/json", "content-length": "1000" });
        res.write('{"id": "par');
        return setTimeout(() => res.socket?.destroy(), 20);
      case "/invalid-json":
        res.writeHead(200, { "content-type": "application/json" });
        return res.end("{nope");
      case "/50mb":
        res.writeHead(200, { "content-type": "application/json" });
        return writeWithBackpressure(res, megabyte, 50);
      case "/gzip-bomb":
        res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" });
        return res.end(bomb);
      case "/three-in-four-fail":
        // 75 % failures, never more than three in a row: a consecutive breaker of 5 never opens.
        return n % 4 === 0 ? sendJson(res, 200, { id: "ok" }) : sendJson(res, 500, {});
      case "/slow":
        await new Promise((resolve) => setTimeout(resolve, 200));
        return sendJson(res, 200, { id: "slow" });
      default:
        return sendJson(res, 404, {});
    }
  });
});
afterAll(async () => upstream.close());
beforeEach(() => (upstream.requests.length = 0));

function schema(upstreamArgs = "", fields = ""): string {
  return /* GraphQL */ `
    extend schema @upstream(name: "api", baseUrl: "${upstream.url}", timeoutMs: 500, maxResponseBytes: 1048576 ${upstreamArgs})
    type Query {
      ok: Item @rest(path: "/ok")
      item(path: String!): Item @rest(path: "/{args.path}")
      slow(i: Int!): Item @rest(path: "/slow?i={args.i}")
      ${fields}
    }
    type Mutation { post(path: String!): Item @rest(method: POST, path: "/{args.path}") }
    type Item { id: ID }
  `;
}

async function fault(trestle: Trestle, path: string) {
  const started = performance.now();
  const result = await query(trestle, `query($p: String!) { ok { id } item(path: $p) { id } }`, { p: path });
  const ms = performance.now() - started;
  expect(result.data?.["ok"]).toEqual({ id: "ok" });
  const next = await query(trestle, `{ ok { id } }`);
  expect(next.data).toEqual({ ok: { id: "ok" } });
  return { result, ms, code: result.errors?.[0]?.extensions?.["code"], item: result.data?.["item"] };
}

describe("faults, with default retries", () => {
  let trestle: Trestle;
  beforeAll(async () => {
    trestle = await createTestTrestle(schema(", breaker: { failures: 0 }"));
  });
  afterAll(async () => trestle.close());

  it("F09: a 503 burst is retried until the upstream recovers", async () => {
    const { item, code } = await fault(trestle, "burst-503");
    expect(code).toBeUndefined();
    expect(item).toEqual({ id: "after-burst" });
    expect(hitsOf(upstream, "/burst-503")).toBe(3);
  });

  it("F09: a 503 that lasts ends as UPSTREAM_ERROR after attempts + 1 tries", async () => {
    const { code } = await fault(trestle, "always-503");
    expect(code).toBe("UPSTREAM_ERROR");
    expect(hitsOf(upstream, "/always-503")).toBe(3);
  });

  it("a 500 is not retried", async () => {
    await fault(trestle, "always-500");
    expect(hitsOf(upstream, "/always-500")).toBe(1);
  });

  it("a connection reset before the answer is retried", async () => {
    const { item } = await fault(trestle, "reset-then-ok");
    expect(item).toEqual({ id: "after-reset" });
    expect(hitsOf(upstream, "/reset-then-ok")).toBe(2);
  });

  it("a 429 with Retry-After: 1 waits a second, then retries", async () => {
    const { item, ms } = await fault(trestle, "retry-after-1");
    expect(item).toEqual({ id: "after-wait" });
    expect(ms).toBeGreaterThanOrEqual(950);
  });

  it("F11: a 429 with Retry-After: 60 is not waited for", async () => {
    const { code, ms } = await fault(trestle, "retry-after-60");
    expect(code).toBe("UPSTREAM_ERROR");
    expect(hitsOf(upstream, "/retry-after-60")).toBe(1);
    expect(ms).toBeLessThan(1_000);
  });

  it("F10: a POST is never retried", async () => {
    const result = await query(trestle, `mutation { post(path: "burst-503") { id } }`);
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: "UPSTREAM_ERROR", status: 503 });
    expect(hitsOf(upstream, "/burst-503")).toBe(1);
  });

  it.each([
    ["F02: slow headers", "slow-headers", "UPSTREAM_TIMEOUT"],
    ["F03: a trickled body", "trickle", "UPSTREAM_TIMEOUT"],
    ["F04: a reset mid-body", "reset-mid-body", "UPSTREAM_UNAVAILABLE"],
    ["F06: invalid JSON", "invalid-json", "UPSTREAM_BAD_RESPONSE"],
    ["F07: a 50 MB body", "50mb", "UPSTREAM_RESPONSE_TOO_LARGE"],
    ["F08: a gzip bomb (50 MB of spaces in 50 KB)", "gzip-bomb", "UPSTREAM_RESPONSE_TOO_LARGE"],
  ])("%s: the documented code, in bounded time", async (_name, path, expected) => {
    const { code, ms } = await fault(trestle, path);
    expect(code).toBe(expected);
    expect(ms).toBeLessThan(3_000);
  });
});

describe("memory after faults", () => {
  it("F07, F08: returns near its baseline after 20 oversized answers and gzip bombs", async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    expect(gc, "vitest runs test workers with --expose-gc").toBeTypeOf("function");
    const trestle = await createTestTrestle(schema(", breaker: { failures: 0 }"));
    await fault(trestle, "50mb");
    gc!();
    const baseline = process.memoryUsage().heapUsed;
    for (let i = 0; i < 10; i++) {
      await fault(trestle, "50mb");
      await fault(trestle, "gzip-bomb");
    }
    gc!();
    const grown = process.memoryUsage().heapUsed - baseline;
    await trestle.close();
    console.log(`heap growth after 20 oversized answers: ${(grown / 1024 / 1024).toFixed(1)} MiB`);
    expect(grown).toBeLessThan(8 * 1024 * 1024);
  });
});

describe("the retry budget", () => {
  it("F19: keeps retries to about a fifth of the calls while an upstream keeps failing", async () => {
    const trestle = await createTestTrestle(schema(", breaker: { failures: 0 }, retry: { attempts: 2, backoffMs: 1 }"));
    for (let i = 0; i < 60; i++) await query(trestle, `{ item(path: "always-503") { id } }`);
    await trestle.close();
    // 60 calls; the first ones spend the banked 10 retries, then 0.2 retries are earned per call.
    expect(hitsOf(upstream, "/always-503")).toBeLessThanOrEqual(60 + 10 + 12 + 1);
    expect(hitsOf(upstream, "/always-503")).toBeGreaterThan(60);
  });
});

describe("the circuit breaker", () => {
  it("F12: opens after `failures` consecutive failed calls, fails fast, then lets a probe through after resetMs", async () => {
    const trestle = await createTestTrestle(schema(", retry: { attempts: 0 }, breaker: { failures: 3, resetMs: 300 }"));
    for (let i = 0; i < 3; i++)
      expect((await query(trestle, `{ item(path: "always-500") { id } }`)).errors?.[0]?.extensions?.["code"]).toBe("UPSTREAM_ERROR");
    const open = await query(trestle, `{ item(path: "always-500") { id } }`);
    expect(open.errors?.[0]?.extensions).toEqual({ code: "UPSTREAM_CIRCUIT_OPEN", upstream: "api" });
    expect(hitsOf(upstream, "/always-500")).toBe(3);
    const okWhileOpen = await query(trestle, `{ ok { id } }`);
    expect(okWhileOpen.errors?.[0]?.extensions?.["code"]).toBe("UPSTREAM_CIRCUIT_OPEN");
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect((await query(trestle, `{ ok { id } }`)).data).toEqual({ ok: { id: "ok" } });
    expect((await query(trestle, `{ ok { id } }`)).data).toEqual({ ok: { id: "ok" } });
    await trestle.close();
  });

  it("F15: a half-open probe whose client leaves re-opens the breaker (an abandoned call proves nothing)", async () => {
    const trestle = await createTestTrestle(schema(", retry: { attempts: 0 }, breaker: { failures: 1, resetMs: 200 }"));
    expect((await query(trestle, `{ item(path: "always-500") { id } }`)).errors?.[0]?.extensions?.["code"]).toBe("UPSTREAM_ERROR");
    await new Promise((resolve) => setTimeout(resolve, 250));
    const probe = queryThenLeave(trestle, `{ slow(i: 0) { id } }`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    probe.leave();
    await probe.done;
    expect((await query(trestle, `{ ok { id } }`)).errors?.[0]?.extensions?.["code"]).toBe("UPSTREAM_CIRCUIT_OPEN");
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect((await query(trestle, `{ ok { id } }`)).data).toEqual({ ok: { id: "ok" } });
    await trestle.close();
  });

  it("failureRate: opens on the share of failed calls in the window, where consecutive counting never would", async () => {
    const run = async (breaker: string) => {
      upstream.requests.length = 0;
      const trestle = await createTestTrestle(schema(`, retry: { attempts: 0 }, breaker: ${breaker}`));
      const codes: unknown[] = [];
      for (let i = 0; i < 12; i++)
        codes.push((await query(trestle, `{ item(path: "three-in-four-fail") { id } }`)).errors?.[0]?.extensions?.["code"] ?? "ok");
      await trestle.close();
      return { open: codes.filter((c) => c === "UPSTREAM_CIRCUIT_OPEN").length, sent: hitsOf(upstream, "/three-in-four-fail") };
    };
    expect(await run("{ failures: 5 }")).toEqual({ open: 0, sent: 12 });
    expect(await run("{ failureRate: 0.9, minimumCalls: 4, windowMs: 5000 }")).toEqual({ open: 0, sent: 12 });
    const rate = await run("{ failureRate: 0.5, minimumCalls: 4, windowMs: 5000 }");
    expect(rate.open).toBeGreaterThan(0);
    expect(rate.sent).toBe(12 - rate.open);
  });

  it("is per upstream: another upstream keeps answering", async () => {
    const trestle = await createTestTrestle(/* GraphQL */ `
      extend schema
        @upstream(name: "api", baseUrl: "${upstream.url}", retry: { attempts: 0 }, breaker: { failures: 1, resetMs: 60000 })
        @upstream(name: "other", baseUrl: "${upstream.url}")
      type Query {
        failing: Item @rest(upstream: "api", path: "/always-500")
        ok: Item @rest(upstream: "api", path: "/ok")
        other: Item @rest(upstream: "other", path: "/ok")
      }
      type Item { id: ID }
    `);
    await query(trestle, `{ failing { id } }`);
    const result = await query(trestle, `{ ok { id } other { id } }`);
    await trestle.close();
    expect(result.data).toEqual({ ok: null, other: { id: "ok" } });
  });
});

describe("the concurrency limit", () => {
  it("F13: queues up to 4 × maxConcurrency and refuses the rest with UPSTREAM_OVERLOADED", async () => {
    // timeoutMs bounds the wait for a slot too: 5 s leaves the queue time to drain (500 ms would not).
    const trestle = await createTestTrestle(
      schema(", maxConcurrency: 2, retry: { attempts: 0 }, breaker: { failures: 0 }").replace("timeoutMs: 500", "timeoutMs: 5000"),
    );
    // Distinct reads: identical concurrent reads would share one call in the cache.
    const results = await Promise.all(Array.from({ length: 14 }, (_, i) => query(trestle, `{ slow(i: ${i}) { id } }`)));
    await trestle.close();
    const codes = results.map((r) => r.errors?.[0]?.extensions?.["code"] ?? "ok");
    expect(codes.filter((c) => c === "ok")).toHaveLength(10);
    expect(codes.filter((c) => c === "UPSTREAM_OVERLOADED")).toHaveLength(4);
    expect(hitsOf(upstream, "/slow")).toBe(10);
  });
});

describe("a client that goes away (F15)", () => {
  it("while its call waits for a slot: the call is never sent, and the queue moves on", async () => {
    // timeoutMs is not under test here: 5 s keeps a loaded machine from timing the first call out.
    const trestle = await createTestTrestle(
      schema(", maxConcurrency: 1, retry: { attempts: 0 }, breaker: { failures: 1 }").replace("timeoutMs: 500", "timeoutMs: 5000"),
    );
    const first = query(trestle, `{ slow(i: 0) { id } }`);
    const leaving = queryThenLeave(trestle, `{ slow(i: 1) { id } }`);
    // The first call holds the one slot once the upstream has it; the second waits behind it.
    await upstream.waitForRequests(1);
    leaving.leave();
    await leaving.done;
    expect((await first).data).toEqual({ slow: { id: "slow" } });
    // The next call gets the slot; the breaker (one failure opens it) did not count the abandoned call.
    expect((await query(trestle, `{ slow(i: 2) { id } }`)).data).toEqual({ slow: { id: "slow" } });
    await trestle.close();
    expect(hitsOf(upstream, "/slow")).toBe(2);
  });
});

describe("parseRetryAfter", () => {
  it.each([
    ["120", 120_000],
    [" 3 ", 3_000],
    ["Fri, 27 Nov 2026 08:00:10 GMT", 10_000],
    ["Fri, 27 Nov 2026 07:00:00 GMT", 0],
    ["soon", undefined],
    [undefined, undefined],
  ])("%j → %j ms", (value, expected) => {
    expect(parseRetryAfter(value, Date.parse("Fri, 27 Nov 2026 08:00:00 GMT"))).toBe(expected);
  });
});
