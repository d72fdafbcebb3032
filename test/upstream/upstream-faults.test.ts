import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { connect, createServer as createTcpServer, type AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { UpstreamError } from "../../src/errors.js";
import type { Trestle } from "../../src/index.js";
import { Resilience } from "../../src/upstream/create-resilience.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { createGate, until, type Gate } from "../helpers/gate.js";
import { query, queryThenLeave } from "../helpers/graphql.js";
import { hitsOf, sendJson, startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";
import { serveTrestle } from "../passthrough/raw-http.js";

// Upstream faults (case ids of docs/threat-model.md) that test/upstream/resilience.test.ts and
// test/e2e/error-mapping.test.ts do not already pin (F02, F03, F06–F10 are there). Real
// upstreams on 127.0.0.1. No case measures time: "fails fast" is shown by what the upstream
// received while it held its answers (a gate the test opens); a wait that never ends fails the
// test by its timeout.
let upstream: TestUpstream;
let closedUrl: string;
let healthy = false;
/** Holds the answers of /slow until the test opens it. */
let slowGate: Gate = createGate();

beforeAll(async () => {
  upstream = await startTestUpstream(async (req, res) => {
    const path = req.url.split("?")[0]!;
    const n = hitsOf(upstream, path);
    switch (path) {
      case "/ok":
        return sendJson(res, 200, { id: "ok" });
      case "/toggle":
        return healthy ? sendJson(res, 200, { id: "back" }) : sendJson(res, 500, {});
      case "/half-body-reset":
        res.writeHead(200, { "content-type": "application/json", "content-length": "1000" });
        // Reset once the half body is on the wire.
        return res.write('{"id": "par', () => res.socket?.destroy());
      case "/short-body":
        // Content-Length: 100, five bytes, then a clean close (FIN, not a reset).
        res.writeHead(200, { "content-type": "application/json", "content-length": "100", "cache-control": "max-age=60" });
        res.write('{"id"');
        return res.socket?.end();
      case "/stacked-encodings":
        res.writeHead(200, {
          "content-type": "application/json",
          "content-encoding": Array.from({ length: 1000 }, () => "gzip").join(", "),
        });
        return res.end(gzipSync('{"id": "x"}'));
      case "/double-gzip":
        res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip, gzip" });
        return res.end(gzipSync(gzipSync('{"id": "x"}')));
      case "/retry-after-hour":
        return sendJson(res, 429, {}, { "retry-after": "3600" });
      case "/retry-after-date":
        return sendJson(res, 429, {}, { "retry-after": new Date(Date.now() + 86_400_000).toUTCString() });
      case "/flapping":
        return n % 2 === 1 ? sendJson(res, 503, {}) : sendJson(res, 200, { id: "flap" });
      case "/slow":
        await slowGate.opened;
        return sendJson(res, 200, { id: "slow" });
      default:
        return sendJson(res, 404, {});
    }
  });
  const probe = createTcpServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  closedUrl = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
  await new Promise((resolve) => probe.close(resolve));
});
afterAll(async () => upstream.close());
beforeEach(() => {
  upstream.requests.length = 0;
  healthy = false;
});

function schema(upstreamArgs = ""): string {
  return /* GraphQL */ `
    extend schema
      @upstream(name: "api", baseUrl: "${upstream.url}", timeoutMs: 1000 ${upstreamArgs}, passthrough: { methods: [GET, POST], paths: ["/**"] })
      @upstream(name: "down", baseUrl: "${closedUrl}", breaker: { failures: 0 })
    type Query {
      ok: Item @rest(upstream: "api", path: "/ok")
      item(path: String!): Item @rest(upstream: "api", path: "/{args.path}")
      down: Item @rest(upstream: "down", path: "/anything")
      holder: Holder @rest(upstream: "api", path: "/ok")
    }
    type Mutation { post(path: String!): Item @rest(upstream: "api", method: POST, path: "/{args.path}") }
    type Item { id: ID }
    type Holder { id: ID, required: Item! @rest(upstream: "down", path: "/required") }
  `;
}

/** A schema whose only upstream listens nowhere (connection refused). */
function downSchema(upstreamArgs: string): string {
  return /* GraphQL */ `
    extend schema @upstream(name: "down", baseUrl: "${closedUrl}" ${upstreamArgs})
    type Query { down: Item @rest(path: "/x") }
    type Item { id: ID }
  `;
}

const codeOf = (result: { errors?: Array<{ extensions?: Record<string, unknown> }> }) => result.errors?.[0]?.extensions?.["code"];

describe("F01: connection refused", () => {
  it("F01: is UPSTREAM_UNAVAILABLE, without retries and with the default retries", async () => {
    const noRetry = await createTestTrestle(downSchema(", retry: { attempts: 0 }, breaker: { failures: 0 }"));
    const defaults = await createTestTrestle(downSchema(""));
    for (let i = 0; i < 10; i++) {
      expect((await query(noRetry, `{ down { id } }`)).errors?.[0]?.extensions).toEqual({ code: "UPSTREAM_UNAVAILABLE", upstream: "down" });
    }
    const retried = await query(defaults, `{ down { id } }`);
    await Promise.all([noRetry.close(), defaults.close()]);
    expect(codeOf(retried)).toBe("UPSTREAM_UNAVAILABLE");
  });

  it("F01: counts toward the breaker", async () => {
    const trestle = await createTestTrestle(downSchema(", retry: { attempts: 0 }, breaker: { failures: 3, resetMs: 60000 }"));
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push(codeOf(await query(trestle, `{ down { id } }`)));
    await trestle.close();
    expect(codes).toEqual(["UPSTREAM_UNAVAILABLE", "UPSTREAM_UNAVAILABLE", "UPSTREAM_UNAVAILABLE", "UPSTREAM_CIRCUIT_OPEN"]);
  });
});

describe("F04, F05: answers cut short", () => {
  let trestle: Trestle;
  beforeAll(async () => {
    trestle = await createTestTrestle(schema(", retry: { attempts: 2, backoffMs: 1 }, breaker: { failures: 0 }"));
  });
  afterAll(async () => trestle.close());

  it("F04: a reset after half the body is UPSTREAM_UNAVAILABLE; a GET is retried within the budget", async () => {
    const result = await query(trestle, `{ ok { id } item(path: "half-body-reset") { id } }`);
    expect(result.data).toEqual({ ok: { id: "ok" }, item: null });
    expect(result.errors?.[0]?.extensions).toEqual({ code: "UPSTREAM_UNAVAILABLE", upstream: "api" });
    expect(hitsOf(upstream, "/half-body-reset")).toBe(3);
  });

  it("F04: a POST that was reset is not retried", async () => {
    const result = await query(trestle, `mutation { post(path: "half-body-reset") { id } }`);
    expect(codeOf(result)).toBe("UPSTREAM_UNAVAILABLE");
    expect(hitsOf(upstream, "/half-body-reset")).toBe(1);
  });

  it("F05: Content-Length 100 and 5 bytes, then a clean close: an error, never a parsed answer, never stored", async () => {
    for (let i = 0; i < 2; i++) {
      const result = await query(trestle, `mutation { post(path: "short-body") { id } }`);
      expect(result.data).toEqual({ post: null });
      expect(codeOf(result)).toBe("UPSTREAM_UNAVAILABLE");
      const read = await query(trestle, `{ item(path: "short-body") { id } }`);
      expect(read.data).toEqual({ item: null });
    }
    // Every read went upstream (1 try + 2 retries, twice): nothing was cached from a cut-off body.
    expect(hitsOf(upstream, "/short-body")).toBe(2 + 6);
  });
});

describe("F08: stacked Content-Encodings", () => {
  it("F08: `gzip` × 1000, and even two gzip layers, are UPSTREAM_BAD_RESPONSE: one coding is decoded, never a chain", async () => {
    const trestle = await createTestTrestle(schema());
    const value = await query(trestle, `{ a: item(path: "stacked-encodings") { id } b: item(path: "double-gzip") { id } }`);
    await trestle.close();
    expect(value.data).toEqual({ a: null, b: null });
    expect(value.errors?.map((e) => e.extensions?.["code"])).toEqual(["UPSTREAM_BAD_RESPONSE", "UPSTREAM_BAD_RESPONSE"]);
  });
});

describe("F11: a far Retry-After", () => {
  it.each(["retry-after-hour", "retry-after-date"])(
    "F11: %s: not waited for (the test would time out), not retried; UPSTREAM_ERROR with status 429",
    async (path) => {
      const trestle = await createTestTrestle(schema());
      const value = await query(trestle, `query($p: String!) { item(path: $p) { id } }`, { p: path });
      await trestle.close();
      // Trestle reports 429 as UPSTREAM_ERROR + status (the proposed UPSTREAM_RATE_LIMITED is not a Trestle code).
      expect(value.errors?.[0]?.extensions).toEqual({ code: "UPSTREAM_ERROR", status: 429, upstream: "api" });
      expect(hitsOf(upstream, `/${path}`)).toBe(1);
    },
  );

  it("F11: passthrough passes the 429 and its Retry-After to the client", async () => {
    const trestle = await createTestTrestle(schema());
    const response = await trestle.fetch(new Request("http://trestle.test/rest/api/retry-after-hour"));
    await trestle.close();
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("3600");
    expect(hitsOf(upstream, "/retry-after-hour")).toBe(1);
  });
});

describe("F12: the breaker fails fast while open", () => {
  it("F12: after 10 consecutive failures calls fail with no upstream request; one probe after resetMs closes it", async () => {
    const trestle = await createTestTrestle(schema(", retry: { attempts: 0 }, breaker: { failures: 10, resetMs: 300 }"));
    const read = () => query(trestle, `{ item(path: "toggle") { id } }`);
    for (let i = 0; i < 10; i++) expect(codeOf(await read())).toBe("UPSTREAM_ERROR");
    for (let i = 0; i < 10; i++) expect((await read()).errors?.[0]?.extensions).toEqual({ code: "UPSTREAM_CIRCUIT_OPEN", upstream: "api" });
    expect(hitsOf(upstream, "/toggle")).toBe(10);
    healthy = true;
    // Ask until the breaker lets the probe through (after resetMs): every refusal before it sends nothing.
    let probe = await read();
    await until(
      async () => probe.data?.["item"] != null || ((probe = await read()), probe.data?.["item"] != null),
      "the breaker's probe after resetMs",
    );
    const after = await read();
    await trestle.close();
    expect([probe.data, after.data]).toEqual([{ item: { id: "back" } }, { item: { id: "back" } }]);
    expect(hitsOf(upstream, "/toggle")).toBe(12);
  });

  it("F12: the breaker itself refuses without running the attempt", async () => {
    const resilience = new Resilience("api", {
      retries: 0,
      backoffMs: 1,
      maxRetryAfterMs: 1000,
      breakerFailures: 3,
      breakerResetMs: 60_000,
      maxConcurrency: 4,
      maxQueue: 4,
    });
    let attempts = 0;
    const failing = async () => {
      attempts++;
      return { status: 500, headers: {} };
    };
    for (let i = 0; i < 3; i++) await resilience.run("GET", failing);
    for (let i = 0; i < 10; i++) {
      const value = await resilience.run("GET", failing).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(value).toBeInstanceOf(UpstreamError);
      expect((value as UpstreamError).code).toBe("UPSTREAM_CIRCUIT_OPEN");
    }
    expect(attempts).toBe(3);
  });
});

describe("F13: one saturated upstream does not hold up another", () => {
  it("F13: while A's bulkhead and queue are full, extra A calls are refused with UPSTREAM_OVERLOADED before A answers, and B is served", async () => {
    slowGate = createGate();
    const fast = await startTestUpstream((_req, res) => sendJson(res, 200, { id: "b" }));
    const trestle = await createTestTrestle(/* GraphQL */ `
      extend schema
        @upstream(name: "a", baseUrl: "${upstream.url}", maxConcurrency: 4, retry: { attempts: 0 }, breaker: { failures: 0 })
        @upstream(name: "b", baseUrl: "${fast.url}")
      type Query { a(i: Int!): Item @rest(upstream: "a", path: "/slow?i={args.i}") b(i: Int!): Item @rest(upstream: "b", path: "/b?i={args.i}") }
      type Item { id: ID }
    `);
    // 40 distinct reads of A, which holds every answer: 4 in flight, 16 waiting, 20 refused.
    let settled = 0;
    const flood = Array.from({ length: 40 }, (_, i) =>
      query(trestle, `query($i: Int!) { a(i: $i) { id } }`, { i }).finally(() => settled++),
    );
    await until(() => settled === 20, "20 refusals while A holds its answers");
    await upstream.waitForRequests(4);
    for (let i = 0; i < 10; i++)
      expect((await query(trestle, `query($i: Int!) { b(i: $i) { id } }`, { i })).data).toEqual({ b: { id: "b" } });
    expect([settled, hitsOf(upstream, "/slow")]).toEqual([20, 4]);
    slowGate.open();
    const results = await Promise.all(flood);
    await trestle.close();
    await fast.close();
    const refused = results.filter((r) => codeOf(r) === "UPSTREAM_OVERLOADED");
    const served = results.filter((r) => r.data?.["a"] != null);
    expect([refused.length, served.length]).toEqual([20, 20]);
    expect(hitsOf(upstream, "/slow")).toBe(20);
  });
});

describe("F14: one upstream down, another up", () => {
  it("F14: HTTP 200, B's data, A's error at its path; a failed non-null field nulls its parent", async () => {
    const trestle = await createTestTrestle(schema(", breaker: { failures: 0 }"));
    const result = await query(trestle, `{ down { id } ok { id } holder { id required { id } } }`);
    await trestle.close();
    expect(result.status).toBe(200);
    expect(result.data).toEqual({ down: null, ok: { id: "ok" }, holder: null });
    const errors = result.errors
      ?.map((e) => [e.path, e.extensions?.["code"]])
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    expect(errors).toEqual([
      [["down"], "UPSTREAM_UNAVAILABLE"],
      [["holder", "required"], "UPSTREAM_UNAVAILABLE"],
    ]);
  });
});

describe("F15: a client that goes away", () => {
  /**
   * An upstream that holds its answers until `answers` opens and notes whether each connection
   * closed before it answered; `/flaky` answers 503 at once, asking for a retry in 1 s.
   */
  let slow: Server;
  let slowUrl: string;
  const seen: Array<{ url: string; closedEarly?: boolean; answered?: boolean }> = [];
  let answers: Gate;
  let trestle: Trestle;

  beforeAll(async () => {
    slow = createHttpServer((req: IncomingMessage, res: ServerResponse) => {
      const record: (typeof seen)[number] = { url: req.url ?? "" };
      seen.push(record);
      req.resume();
      res.on("close", () => (record.closedEarly = !res.writableFinished));
      if (req.url?.startsWith("/flaky")) {
        record.answered = true;
        return void res.writeHead(503, { "content-type": "application/json", "retry-after": "1" }).end("{}");
      }
      void answers.opened.then(() => {
        if (res.destroyed) return;
        record.answered = true;
        const cacheControl = req.url?.startsWith("/uncached") ? "no-store" : "max-age=60";
        res.writeHead(200, { "content-type": "application/json", "cache-control": cacheControl }).end('{"id": "late"}');
      });
    });
    await new Promise<void>((resolve) => slow.listen(0, "127.0.0.1", resolve));
    slowUrl = `http://127.0.0.1:${(slow.address() as AddressInfo).port}`;
    // A breaker that opens on one failure: a client going away must not count as one.
    trestle = await createTestTrestle(/* GraphQL */ `
      extend schema @upstream(name: "slow", baseUrl: "${slowUrl}", breaker: { failures: 1 }, passthrough: { methods: [GET, POST], paths: ["/**"] })
      type Query { cached: Item @rest(path: "/cached") uncached: Item @rest(path: "/uncached") flaky: Item @rest(path: "/flaky") }
      type Mutation { first: Item @rest(method: POST, path: "/first") second: Item @rest(method: POST, path: "/second") }
      type Item { id: ID }
    `);
  });
  afterAll(async () => {
    answers.open();
    await trestle.close();
    slow.closeAllConnections();
    await new Promise((resolve) => slow.close(resolve));
  });
  beforeEach(() => {
    seen.length = 0;
    answers = createGate();
  });

  /**
   * Sends a request over a socket to trestle.handle, destroys the socket once `leaveWhen()`
   * holds (by default: the upstream has the request), and resolves when trestle.handle has
   * settled: by then every upstream call the request made (or wrongly kept making) has been sent.
   */
  async function sendThenLeave(request: string, leaveWhen: () => boolean | Promise<boolean> = () => seen.length > 0): Promise<void> {
    const handled: Array<Promise<unknown>> = [];
    const server = await serveTrestle(
      trestle,
      createHttpServer((req, res) => void handled.push(trestle.handle(req, res))),
    );
    const socket = connect(server.port, "127.0.0.1");
    socket.on("error", () => undefined);
    socket.write(request);
    await until(leaveWhen, "the moment to leave");
    socket.destroy();
    await until(() => handled.length > 0, "trestle.handle to start");
    await Promise.allSettled(handled);
    await server.close();
  }

  /** Resolves once the upstream has seen the first request's connection close. */
  const upstreamClosed = () => until(() => seen[0]?.closedEarly !== undefined, "the upstream connection to close");

  const graphql = (document: string) => {
    const body = JSON.stringify({ query: document });
    return `POST /graphql HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
  };
  const graphqlGet = (document: string) =>
    `GET /graphql?query=${encodeURIComponent(document)} HTTP/1.1\r\nHost: t\r\nAccept: application/json\r\n\r\n`;

  it("F15: a passthrough call waiting for the upstream's answer is aborted: the upstream sees its connection close first", async () => {
    await sendThenLeave("POST /rest/slow/work HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
    await upstreamClosed();
    expect(seen).toEqual([{ url: "/work", closedEarly: true }]);
    // Not counted as an upstream failure: the breaker (1 failure opens it) stays closed.
    answers.open();
    expect((await query(trestle, `{ uncached { id } }`)).data).toEqual({ uncached: { id: "late" } });
  });

  it("F15: a passthrough GET (through the cache) is aborted too, and stores nothing", async () => {
    await sendThenLeave("GET /rest/slow/cached/p HTTP/1.1\r\nHost: t\r\n\r\n");
    await upstreamClosed();
    expect(seen).toEqual([{ url: "/cached/p", closedEarly: true }]);
    expect(trestle.cache.size).toBe(0);
  });

  it.each([
    ["an uncached read, POST (fast lane)", graphql("{ uncached { id } }"), "/uncached"],
    ["a cacheable read, POST (fast lane)", graphql("{ cached { id } }"), "/cached"],
    ["a read over GET (yoga's lane)", graphqlGet("{ uncached { id } }"), "/uncached"],
  ])("F15: a GraphQL client that goes away aborts its upstream call: %s", async (_case, request, url) => {
    await sendThenLeave(request);
    await upstreamClosed();
    expect(seen).toEqual([{ url, closedEarly: true }]);
    // Nothing partial was stored; the breaker did not count the abandoned call: the next caller gets a fresh answer.
    expect(trestle.cache.size).toBe(0);
    answers.open();
    expect((await query(trestle, `{ cached { id } uncached { id } }`)).data).toEqual({ cached: { id: "late" }, uncached: { id: "late" } });
    await trestle.cache.purge("slow");
  });

  it("F15: through trestle.fetch, the request's signal aborts the upstream call", async () => {
    const leaving = queryThenLeave(trestle, "{ uncached { id } }");
    await until(() => seen.length > 0, "the upstream to have the request");
    leaving.leave();
    await leaving.done;
    await upstreamClosed();
    expect(seen).toEqual([{ url: "/uncached", closedEarly: true }]);
  });

  it("F15: /metrics counts the abandoned call as CLIENT_CLOSED_REQUEST and the request as 499", async () => {
    const scrape = async () => (await (await trestle.fetch(new Request("http://trestle.test/metrics"))).text()).split("\n");
    const count = (lines: string[], series: string) => Number(lines.find((l) => l.startsWith(`${series} `))?.split(" ")[1] ?? 0);
    const upstreamSeries = 'trestle_upstream_requests_total{upstream="slow",method="GET",outcome="CLIENT_CLOSED_REQUEST"}';
    const requests = 'trestle_http_requests_total{route="graphql",status="499"}';
    const before = await scrape();
    await sendThenLeave(graphql("{ uncached { id } }"));
    await upstreamClosed();
    const after = await scrape();
    expect([count(after, upstreamSeries) - count(before, upstreamSeries), count(after, requests) - count(before, requests)]).toEqual([
      1, 1,
    ]);
  });

  it("F15: a mutation's write in flight is aborted, and its later fields are never sent", async () => {
    await sendThenLeave(graphql("mutation { first { id } second { id } }"));
    await upstreamClosed();
    expect(seen).toEqual([{ url: "/first", closedEarly: true }]);
  });

  it("F15: no retry follows once the client has gone", async () => {
    // The upstream asks for a retry in 1 s; the client leaves during the wait (once the 503 is sent).
    await sendThenLeave(graphql("{ flaky { id } }"), () => seen[0]?.closedEarly === false);
    expect(seen).toEqual([{ url: "/flaky", answered: true, closedEarly: false }]);
  });

  it("F15 / C10: a read shared by two clients goes on when one leaves, and is stored for the next caller", async () => {
    // The staying client's read reaches the upstream first; the leaving client's joins it, then leaves.
    const staying = query(trestle, `{ cached { id } }`);
    await until(() => seen.length > 0, "the upstream to have the shared read");
    const server = await serveTrestle(trestle);
    const socket = connect(server.port, "127.0.0.1");
    socket.on("error", () => undefined);
    const closed = new Promise((resolve) => socket.on("close", resolve));
    socket.write(graphql("{ cached { id } }"));
    // The one wait left in this file: joining a flight in the cache is marked by no event (the
    // `coalesced` metric counts when the read ends). Too short a wait only makes the case weaker
    // (the leaver leaves before joining), never makes it fail.
    await new Promise((resolve) => setTimeout(resolve, 50));
    socket.destroy();
    await closed;
    expect(seen).toEqual([{ url: "/cached" }]);
    answers.open();
    expect((await staying).data).toEqual({ cached: { id: "late" } });
    await server.close();
    await upstreamClosed();
    expect(seen).toEqual([{ url: "/cached", answered: true, closedEarly: false }]);
    expect((await query(trestle, `{ cached { id } }`)).data).toEqual({ cached: { id: "late" } });
    expect(seen).toHaveLength(1);
    await trestle.cache.purge("slow");
  });
});

describe("F18: an HTTPS upstream with a certificate nobody vouches for", () => {
  // Self-signed for IP 127.0.0.1 (openssl req -x509 -newkey ec … -days 36500), made for this test only.
  const key = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgv2eAbH8Y7zQMg+wp
vbkgPcXnAaSA+4wX1ISVDn2o70+hRANCAASA1LNZUtkItHqxTe1bi5Mosp6OLYhr
w34HslZiPHyEYNC4tUW0C22XLyBFSz/nc8vd4d9yEntD0blY+UjN6fU7
-----END PRIVATE KEY-----`;
  const cert = `-----BEGIN CERTIFICATE-----
MIIBkTCCATagAwIBAgIUfQ68LIirEHZ8yO9iJWmXFFFG/ZQwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJMTI3LjAuMC4xMCAXDTI2MTEyNzA5MzEwNloYDzIxMjYxMTAz
MDkzMTA2WjAUMRIwEAYDVQQDDAkxMjcuMC4wLjEwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAASA1LNZUtkItHqxTe1bi5Mosp6OLYhrw34HslZiPHyEYNC4tUW0C22X
LyBFSz/nc8vd4d9yEntD0blY+UjN6fU7o2QwYjAdBgNVHQ4EFgQUecFtbv+2htCn
Ilb+QQtZ7wAdsrowHwYDVR0jBBgwFoAUecFtbv+2htCnIlb+QQtZ7wAdsrowDwYD
VR0TAQH/BAUwAwEB/zAPBgNVHREECDAGhwR/AAABMAoGCCqGSM49BAMCA0kAMEYC
IQCl/B2BsitH1dbgIDHCzjcG+L46YvCqIdveKEzC1XHxHgIhAIpCaqHXgTF3iXy5
QWTNkreoc+y2R2ofvVb4GOBbfsBA
-----END CERTIFICATE-----`;

  it("F18: fails closed (UPSTREAM_UNAVAILABLE, passthrough 502); the upstream never gets a request", async () => {
    let requests = 0;
    const tls = createHttpsServer({ key, cert }, (_req, res) => {
      requests++;
      res.writeHead(200, { "content-type": "application/json" }).end('{"id": "tls"}');
    });
    await new Promise<void>((resolve) => tls.listen(0, "127.0.0.1", resolve));
    const url = `https://127.0.0.1:${(tls.address() as AddressInfo).port}`;
    const trestle = await createTestTrestle(/* GraphQL */ `
      extend schema @upstream(name: "tls", baseUrl: "${url}", retry: { attempts: 0 }, passthrough: { methods: [GET], paths: ["/**"] })
      type Query { item: Item @rest(path: "/item") }
      type Item { id: ID }
    `);
    const result = await query(trestle, `{ item { id } }`);
    const viaPassthrough = await trestle.fetch(new Request("http://trestle.test/rest/tls/item"));
    await trestle.close();
    tls.closeAllConnections();
    await new Promise((resolve) => tls.close(resolve));
    expect(result.data).toEqual({ item: null });
    expect(result.errors?.[0]?.extensions).toEqual({ code: "UPSTREAM_UNAVAILABLE", upstream: "tls" });
    expect(viaPassthrough.status).toBe(502);
    expect(requests).toBe(0);
  });
});

describe("F19: a flapping upstream and the retry budget", () => {
  it("F19: with every other answer a 503, the upstream sees at most 1.2 × the calls (+ the 10 banked retries)", async () => {
    const trestle = await createTestTrestle(schema(", retry: { attempts: 2, backoffMs: 1 }"));
    const calls = 300;
    const outcomes = new Map<string, number>();
    for (let i = 0; i < calls; i++) {
      const code = String(codeOf(await query(trestle, `{ item(path: "flapping") { id } }`)) ?? "ok");
      outcomes.set(code, (outcomes.get(code) ?? 0) + 1);
    }
    await trestle.close();
    const seenByUpstream = hitsOf(upstream, "/flapping")!;
    console.log(
      `F19: ${seenByUpstream} upstream requests for ${calls} calls (${(seenByUpstream / calls).toFixed(3)}×); outcomes ${JSON.stringify(Object.fromEntries(outcomes))}`,
    );
    expect(seenByUpstream).toBeLessThanOrEqual(1.2 * calls + 10);
    // The budget is spent, not hoarded: retries do run while there is budget.
    expect(seenByUpstream).toBeGreaterThan(1.15 * calls);
    // The breaker (5 consecutive failures) never opened: failures alternate with successes.
    expect([...outcomes.keys()].sort()).toEqual(["UPSTREAM_ERROR", "ok"]);
  });
});
