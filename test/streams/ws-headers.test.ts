import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { sendJson, startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";
import { openRaw, run, openClient, runOnce, serveWithUpgrade, type WsServed } from "./ws-client.js";

// Header rules over WebSocket read the upgrade request's headers, overridden by connectionParams
// (browsers cannot set Authorization on a WebSocket): W03 (header injection through
// connectionParams) and W04 (identities kept apart in the shared cache).
const schema = (url: string) => `
  extend schema @upstream(name: "api", baseUrl: "${url}", headers: [
    { name: "authorization", from: "authorization" }, { name: "x-tenant", value: "{header.x-tenant}" }])
  type Query { me: Me @rest(path: "/me") }
  type Me { authorization: String tenant: String host: String }`;

let upstream: TestUpstream;
let trestle: Trestle;
let served: WsServed;
beforeAll(async () => {
  // A public, cacheable answer that depends on the caller: only the cache key's identity keeps callers apart.
  upstream = await startTestUpstream((req, res) =>
    sendJson(
      res,
      200,
      { authorization: req.headers.authorization ?? null, tenant: req.headers["x-tenant"] ?? null, host: req.headers.host ?? null },
      { "cache-control": "max-age=60" },
    ),
  );
  trestle = await createTestTrestle(schema(upstream.url));
  served = await serveWithUpgrade(trestle);
});
afterAll(async () => {
  await served?.close();
  await upstream?.close();
});
beforeEach(() => {
  upstream.requests.length = 0;
});

const url = () => `${served.ws}/graphql`;
const me = `{ me { authorization tenant } }`;
const meOf = (outcome: Awaited<ReturnType<typeof runOnce>>) => (outcome.results[0]?.data as { me?: unknown } | undefined)?.me;

describe("where header rules read from", () => {
  it("an Authorization in connectionParams reaches the upstream, flat or in `headers`, any case", async () => {
    expect(meOf(await runOnce(url(), me, { connectionParams: { Authorization: "Bearer flat", "X-Tenant": "t1" } }))).toEqual({
      authorization: "Bearer flat",
      tenant: "t1",
    });
    expect(meOf(await runOnce(url(), me, { connectionParams: { headers: { authorization: "Bearer nested" }, token: "ignored" } }))).toEqual(
      {
        authorization: "Bearer nested",
        tenant: null,
      },
    );
  });

  it("an Authorization on the upgrade request reaches the upstream; connectionParams override it", async () => {
    expect(meOf(await runOnce(url(), me, { headers: { authorization: "Bearer upgrade", "x-tenant": "t2" } }))).toEqual({
      authorization: "Bearer upgrade",
      tenant: "t2",
    });
    const both = await runOnce(url(), me, {
      headers: { authorization: "Bearer upgrade", "x-tenant": "t2" },
      connectionParams: { authorization: "Bearer params" },
    });
    expect(meOf(both)).toEqual({ authorization: "Bearer params", tenant: "t2" });
  });

  it("W03: the socket's own fields in connectionParams (Host, Connection, Content-Length, Sec-WebSocket-*, Origin) and non-string values are ignored", async () => {
    const outcome = await runOnce(url(), `{ me { authorization host } }`, {
      connectionParams: {
        host: "evil.example",
        connection: "authorization",
        "content-length": "5",
        "sec-websocket-key": "x",
        origin: "https://evil.example",
        "bad name": "x",
        authorization: { nested: true },
        "x-tenant": ["a", "b"],
      },
    });
    expect(outcome.results).toEqual([{ data: { me: { authorization: null, host: new URL(upstream.url).host } } }]);
    expect(upstream.requests[0]?.headers["x-tenant"]).toBeUndefined();
  });
});

describe("W03: connectionParams values that cannot be sent close the socket with 4400, before any upstream call", () => {
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ["CR LF injection", { authorization: "Bearer a\r\nX-Admin: 1" }, 'connectionParams header "authorization" has U+000D at character 9'],
    ["a bare LF", { headers: { "x-tenant": "a\nb" } }, 'connectionParams header "x-tenant" has U+000A at character 2'],
    ["NUL", { authorization: "Bearer \u0000" }, 'connectionParams header "authorization" has U+0000 at character 8'],
    ["above U+00FF", { authorization: "Bearer \u2028" }, 'connectionParams header "authorization" has U+2028 at character 8'],
    ["too long", { authorization: "x".repeat(8193) }, 'connectionParams header "authorization" is 8193 characters long; the limit is 8192'],
    [
      "too many",
      Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`x-h${i}`, "v"])),
      "connectionParams may carry at most 64 headers",
    ],
  ];
  for (const [name, connectionParams, reason] of cases) {
    it(`${name}`, async () => {
      const raw = await openRaw(url());
      raw.send({ type: "connection_init", payload: connectionParams });
      const closed = await raw.closed;
      expect(closed.code).toBe(4400);
      expect(closed.reason.startsWith(reason), closed.reason).toBe(true);
      expect(closed.reason.length).toBeLessThanOrEqual(123);
      expect(upstream.requests).toEqual([]);
      expect(meOf(await runOnce(url(), me, { connectionParams: { authorization: "Bearer fine" } }))).toMatchObject({
        authorization: "Bearer fine",
      });
    });
  }
});

describe("W04: the shared cache keeps WebSocket identities apart", () => {
  it("two sockets with different Authorization (upgrade header or connectionParams) never share an answer; the same one twice is a cache hit", async () => {
    const alice = openClient(url(), { connectionParams: { authorization: "Bearer alice" } });
    const bob = openClient(url(), { headers: { authorization: "Bearer bob" } });
    try {
      const [a1, b1] = await Promise.all([run(alice, me), run(bob, me)]);
      const [a2, b2] = await Promise.all([run(alice, me), run(bob, me)]);
      expect([a1, a2].map(meOf)).toEqual([
        { authorization: "Bearer alice", tenant: null },
        { authorization: "Bearer alice", tenant: null },
      ]);
      expect([b1, b2].map(meOf)).toEqual([
        { authorization: "Bearer bob", tenant: null },
        { authorization: "Bearer bob", tenant: null },
      ]);
      expect(upstream.requests.map((r) => r.headers.authorization).sort()).toEqual(["Bearer alice", "Bearer bob"]);
    } finally {
      await Promise.all([alice.dispose(), bob.dispose()]);
    }
  });
});
