import { gzipSync } from "node:zlib";
import { createServer } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { query } from "../helpers/graphql.js";
import { sendJson, startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";

let upstream: TestUpstream;
let elsewhere: TestUpstream;
let closedPort: number;
let trestle: Trestle;
let debugTrestle: Trestle;

const secret = "Bearer CANARY-7f3a";

const schema = (url: string, closedUrl: string) => /* GraphQL */ `
  extend schema
    @upstream(name: "api", baseUrl: "${url}", timeoutMs: 300, maxResponseBytes: 65536,
              headers: [{ name: "authorization", from: "authorization" }])
    @upstream(name: "down", baseUrl: "${closedUrl}")
  type Query {
    ok: Item @rest(upstream: "api", path: "/ok")
    failing: Item @rest(upstream: "api", path: "/fail")
    unauthorized: Item @rest(upstream: "api", path: "/401")
    missing: Item @rest(upstream: "api", path: "/missing")
    required: Item! @rest(upstream: "api", path: "/missing")
    down: Item @rest(upstream: "down", path: "/anything")
    slow: Item @rest(upstream: "api", path: "/slow")
    malformed: Item @rest(upstream: "api", path: "/malformed")
    html: Item @rest(upstream: "api", path: "/html")
    redirect: Item @rest(upstream: "api", path: "/redirect")
    huge: Item @rest(upstream: "api", path: "/huge")
    bomb: Item @rest(upstream: "api", path: "/bomb")
    gzipped: Item @rest(upstream: "api", path: "/gzipped")
    empty: Item @rest(upstream: "api", path: "/empty")
  }
  type Item { id: Int }
`;

beforeAll(async () => {
  elsewhere = await startTestUpstream((_req, res) => sendJson(res, 200, { id: 666 }));
  upstream = await startTestUpstream(async (req, res) => {
    switch (req.url) {
      case "/ok":
        return sendJson(res, 200, { id: 1 });
      case "/fail":
        return sendJson(res, 500, { detail: "Traceback: psycopg2.OperationalError at db-internal-7:5432" });
      case "/401":
        return sendJson(res, 401, { detail: `bad token ${req.headers["authorization"]}` });
      case "/missing":
        return sendJson(res, 404, { detail: "Not Found" });
      case "/slow":
        // Never answers: the connection is closed with the upstream after the suite.
        return new Promise(() => undefined);
      case "/malformed":
        res.writeHead(200, { "content-type": "application/json" });
        return res.end('{"id": 1,');
      case "/html":
        res.writeHead(200, { "content-type": "text/html" });
        return res.end("<html>Server Error at internal-host</html>");
      case "/redirect":
        res.writeHead(302, { location: `${elsewhere.url}/admin` });
        return res.end();
      case "/huge":
        return sendJson(res, 200, { id: 3, padding: "x".repeat(200_000) });
      case "/bomb":
        res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" });
        return res.end(gzipSync(Buffer.from(`{"id": 4, "p": "${"0".repeat(5_000_000)}"}`)));
      case "/gzipped":
        res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" });
        return res.end(gzipSync(Buffer.from('{"id": 5}')));
      case "/empty":
        res.writeHead(204);
        return res.end();
      default:
        return sendJson(res, 404, {});
    }
  });
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  closedPort = (probe.address() as { port: number }).port;
  await new Promise((resolve) => probe.close(resolve));
  trestle = await createTestTrestle(schema(upstream.url, `http://127.0.0.1:${closedPort}`));
  debugTrestle = await createTestTrestle(schema(upstream.url, `http://127.0.0.1:${closedPort}`), { debug: true });
});
afterAll(async () => {
  await Promise.all([trestle.close(), debugTrestle.close()]);
  await Promise.all([upstream.close(), elsewhere.close()]);
});
beforeEach(() => {
  upstream.requests.length = 0;
  elsewhere.requests.length = 0;
});

async function fieldError(field: string, target = trestle) {
  const result = await query(target, `{ ok { id } ${field} { id } }`, {}, { authorization: secret });
  expect(result.data?.["ok"]).toEqual({ id: 1 }); // partial data: the other field still resolves
  expect(result.errors).toHaveLength(1);
  const error = result.errors![0]!;
  expect(error.path).toEqual([field]);
  return { error, raw: JSON.stringify(result) };
}

describe("upstream errors become field errors with partial data", () => {
  it("a 500 is UPSTREAM_ERROR with status and upstream, and no upstream body", async () => {
    const { error, raw } = await fieldError("failing");
    expect(error.extensions).toEqual({ code: "UPSTREAM_ERROR", status: 500, upstream: "api" });
    expect(error.message).toBe('Upstream "api" answered 500.');
    expect(raw).not.toContain("psycopg2");
    expect(raw).not.toContain("db-internal");
  });

  it("H09: a 401 whose body echoes the token does not leak it", async () => {
    const { error, raw } = await fieldError("unauthorized");
    expect(error.extensions).toMatchObject({ code: "UPSTREAM_ERROR", status: 401 });
    expect(raw).not.toContain("CANARY");
  });

  it("a 404 on a nullable field is null without an error", async () => {
    const result = await query(trestle, `{ ok { id } missing { id } }`);
    expect(result).toEqual({ status: 200, data: { ok: { id: 1 }, missing: null } });
  });

  it("a 404 on a non-null field is an UPSTREAM_ERROR", async () => {
    const result = await query(trestle, `{ required { id } }`);
    expect(result.data).toBeNull();
    expect(result.errors?.[0]?.extensions).toEqual({ code: "UPSTREAM_ERROR", status: 404, upstream: "api" });
  });

  it("F01: an unreachable upstream is UPSTREAM_UNAVAILABLE", async () => {
    const { error, raw } = await fieldError("down");
    expect(error.extensions).toEqual({ code: "UPSTREAM_UNAVAILABLE", upstream: "down" });
    expect(raw).not.toContain(String(closedPort));
    expect(raw).not.toContain("ECONNREFUSED");
  });

  it("F02: an upstream that never answers is UPSTREAM_TIMEOUT after timeoutMs (300 ms; the test's timeout bounds the wait)", async () => {
    const { error } = await fieldError("slow");
    expect(error.extensions).toEqual({ code: "UPSTREAM_TIMEOUT", upstream: "api" });
    expect(error.message).toContain("300 ms");
  });

  it("F06: malformed JSON is UPSTREAM_BAD_RESPONSE", async () => {
    const { error } = await fieldError("malformed");
    expect(error.extensions).toEqual({ code: "UPSTREAM_BAD_RESPONSE", status: 200, upstream: "api" });
  });

  it("F06: a non-JSON answer is UPSTREAM_BAD_RESPONSE without its body", async () => {
    const { error, raw } = await fieldError("html");
    expect(error.extensions?.["code"]).toBe("UPSTREAM_BAD_RESPONSE");
    expect(error.message).toContain("text/html");
    expect(raw).not.toContain("internal-host");
  });

  it("U12: a redirect is not followed and is UPSTREAM_BAD_RESPONSE", async () => {
    const { error, raw } = await fieldError("redirect");
    expect(error.extensions).toEqual({ code: "UPSTREAM_BAD_RESPONSE", status: 302, upstream: "api" });
    expect(elsewhere.requests).toHaveLength(0);
    expect(raw).not.toContain(elsewhere.url);
  });

  it("F07: an answer over maxResponseBytes is UPSTREAM_RESPONSE_TOO_LARGE", async () => {
    const { error } = await fieldError("huge");
    expect(error.extensions).toEqual({ code: "UPSTREAM_RESPONSE_TOO_LARGE", upstream: "api" });
  });

  it("F08: a gzip bomb is stopped at maxResponseBytes of decoded data", async () => {
    const { error } = await fieldError("bomb");
    expect(error.extensions).toEqual({ code: "UPSTREAM_RESPONSE_TOO_LARGE", upstream: "api" });
  });

  it("gzip answers are decoded and 204 answers are null", async () => {
    const result = await query(trestle, `{ gzipped { id } empty { id } }`);
    expect(result).toEqual({ status: 200, data: { gzipped: { id: 5 }, empty: null } });
  });

  it("debug mode shows the upstream body and request, and lists the operation's calls", async () => {
    const result = await query(debugTrestle, `{ ok { id } failing { id } }`);
    const debug = result.errors?.[0]?.extensions?.["debug"] as Record<string, string>;
    expect(debug["request"]).toBe("GET /fail");
    expect(debug["body"]).toContain("psycopg2");
    const calls = (result.extensions?.["trestle"] as { upstreamCalls: Array<Record<string, unknown>> }).upstreamCalls;
    expect(calls.map((c) => [c["method"], c["path"], c["status"]]).sort()).toEqual([
      ["GET", "/fail", 500],
      ["GET", "/ok", 200],
    ]);
  });

  it("A20: an unexpected internal error is masked outside debug mode", async () => {
    const sdl = /* GraphQL */ `
      extend schema @upstream(name: "api", baseUrl: "${upstream.url}")
      type Query { ok: Item @rest(path: "/ok?user={context.user}") }
      type Item { id: Int }
    `;
    const context = () => {
      throw new Error("session store at redis-internal:6379 refused AUTH hunter2");
    };
    const masked = await createTestTrestle(sdl, { context });
    const shown = await createTestTrestle(sdl, { context, debug: true });
    const hidden = JSON.stringify(await query(masked, `{ ok { id } }`));
    const revealed = JSON.stringify(await query(shown, `{ ok { id } }`));
    await Promise.all([masked.close(), shown.close()]);
    expect(hidden).not.toContain("hunter2");
    expect(hidden).not.toContain("redis-internal");
    expect(hidden).toContain("Unexpected error");
    expect(revealed).toContain("hunter2");
    expect(upstream.requests).toHaveLength(0);
  });
});
