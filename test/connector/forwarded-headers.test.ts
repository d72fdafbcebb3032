import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { query } from "../helpers/graphql.js";
import { sendJson, startTestUpstream, type TestHandler, type TestUpstream } from "../helpers/test-upstream.js";

// Header and auth handling (case ids of docs/threat-model.md) not pinned elsewhere (H03, H04, H06–H08 are in test/passthrough/passthrough.test.ts, H05 in
// test/e2e/rest-directives.test.ts, H09 in test/e2e/error-mapping.test.ts). "internal" is the
// first-party upstream that forwards the caller's Authorization; "vendor" is a third party.
let internal: TestUpstream;
let vendor: TestUpstream;
let elsewhere: TestUpstream;
let trestle: Trestle;
let flakyHits = 0;

const credentials = { authorization: "Bearer CANARY-token", cookie: "session=CANARY-cookie", "x-api-key": "CANARY-key" };

beforeAll(async () => {
  elsewhere = await startTestUpstream((_req, res) => sendJson(res, 200, { id: "elsewhere" }));
  const handler: TestHandler = (req, res) => {
    switch (req.url.split("?")[0]) {
      case "/redirect":
        res.writeHead(302, { location: `${elsewhere.url}/steal` });
        return res.end();
      case "/flaky":
        return ++flakyHits === 1 ? sendJson(res, 503, {}) : sendJson(res, 200, { id: "flaky" });
      case "/cookie":
        return sendJson(res, 200, { id: "c" }, { "set-cookie": "upstream_session=CANARY-set-cookie; Path=/; HttpOnly" });
      case "/denied":
        res.writeHead(401, {
          "content-type": "application/json",
          "www-authenticate": 'Bearer realm="CANARY-realm"',
          server: "CANARY-server/1.0",
          "x-powered-by": "CANARY-php",
          location: "http://10.0.0.7:8080/CANARY-login",
        });
        return res.end(JSON.stringify({ detail: `token ${req.headers["authorization"]} rejected` }));
      default:
        return sendJson(res, 200, { id: "echo" });
    }
  };
  internal = await startTestUpstream(handler);
  vendor = await startTestUpstream(handler);
  trestle = await createTestTrestle(/* GraphQL */ `
    extend schema
      @upstream(name: "internal", baseUrl: "${internal.url}", retry: { attempts: 2, backoffMs: 1 },
                headers: [{ name: "authorization", from: "authorization" }, { name: "x-request-id", from: "x-request-id" }],
                passthrough: { methods: [GET], paths: ["/**"] })
      @upstream(name: "vendor", baseUrl: "${vendor.url}", passthrough: { methods: [GET], paths: ["/**"] })
    type Query {
      internal: Item @rest(upstream: "internal", path: "/echo")
      vendor: Item @rest(upstream: "vendor", path: "/echo")
      redirect: Item @rest(upstream: "internal", path: "/redirect")
      flaky: Item @rest(upstream: "internal", path: "/flaky")
      cookie: Item @rest(upstream: "internal", path: "/cookie")
      denied: Item @rest(upstream: "internal", path: "/denied")
    }
    type Item { id: ID }
  `);
});
afterAll(async () => {
  await trestle.close();
  await Promise.all([internal.close(), vendor.close(), elsewhere.close()]);
});
beforeEach(() => {
  for (const upstream of [internal, vendor, elsewhere]) upstream.requests.length = 0;
  flakyHits = 0;
});

const passthrough = (path: string, headers: Record<string, string>) =>
  trestle.fetch(new Request(`http://trestle.test${path}`, { headers }));

describe("H01, H02: credentials reach only the upstream that forwards them", () => {
  it("H01: Authorization goes to the upstream whose rule forwards it; the third party gets no Authorization, Cookie or X-Api-Key", async () => {
    const result = await query(trestle, `{ internal { id } vendor { id } }`, {}, credentials);
    expect(result.errors).toBeUndefined();
    expect(internal.requests[0]?.headers["authorization"]).toBe("Bearer CANARY-token");
    const sent = vendor.requests[0]!.headers;
    expect([sent["authorization"], sent["cookie"], sent["x-api-key"]]).toEqual([undefined, undefined, undefined]);
  });

  it("H01: the same through passthrough", async () => {
    expect((await passthrough("/rest/internal/echo", credentials)).status).toBe(200);
    expect((await passthrough("/rest/vendor/echo", credentials)).status).toBe(200);
    expect(internal.requests[0]?.headers["authorization"]).toBe("Bearer CANARY-token");
    expect(JSON.stringify(vendor.requests[0]!.headers)).not.toContain("CANARY");
  });

  it("H02: the client's cookies reach no upstream, from GraphQL fields or passthrough, unless a rule forwards Cookie", async () => {
    await query(trestle, `{ internal { id } vendor { id } }`, {}, { cookie: credentials.cookie });
    await passthrough("/rest/internal/echo", { cookie: credentials.cookie });
    const all = [...internal.requests, ...vendor.requests];
    expect(all).toHaveLength(3);
    for (const request of all) expect(request.headers["cookie"]).toBeUndefined();
    // Opting in forwards the whole Cookie header (Trestle has no per-cookie mapping).
    const opted = await createTestTrestle(/* GraphQL */ `
      extend schema @upstream(name: "internal", baseUrl: "${internal.url}", headers: [{ name: "cookie", from: "cookie" }])
      type Query { internal: Item @rest(path: "/echo") }
      type Item { id: ID }
    `);
    internal.requests.length = 0;
    await query(opted, `{ internal { id } }`, {}, { cookie: credentials.cookie });
    await opted.close();
    expect(internal.requests[0]?.headers["cookie"]).toBe("session=CANARY-cookie");
  });
});

describe("H07, H08: what upstream answers may not carry to GraphQL clients", () => {
  it("H07: an upstream's Set-Cookie on a @rest field never reaches the GraphQL client", async () => {
    const response = await trestle.fetch(
      new Request("http://trestle.test/graphql", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: "{ cookie { id } }" }),
      }),
    );
    expect(response.headers.get("set-cookie")).toBeNull();
    expect(await response.text()).not.toContain("CANARY");
  });

  it("H08: WWW-Authenticate, Server, X-Powered-By and an internal Location are not reflected in a GraphQL error", async () => {
    const response = await trestle.fetch(
      new Request("http://trestle.test/graphql", {
        method: "POST",
        headers: { "content-type": "application/json", ...credentials },
        body: JSON.stringify({ query: "{ denied { id } }" }),
      }),
    );
    const text = await response.text();
    expect(JSON.parse(text)).toMatchObject({
      data: { denied: null },
      errors: [{ extensions: { code: "UPSTREAM_ERROR", status: 401, upstream: "internal" } }],
    });
    expect(text).not.toContain("CANARY");
    expect(text).not.toContain("10.0.0.7");
    for (const name of ["www-authenticate", "server", "x-powered-by", "location"]) expect(response.headers.get(name)).toBeNull();
  });
});

describe("H10: header propagation is an allowlist", () => {
  it("H10: x-request-id is forwarded where a rule names it; x-internal-admin never is", async () => {
    await query(trestle, `{ internal { id } vendor { id } }`, {}, { "x-request-id": "req-42", "x-internal-admin": "1" });
    expect(internal.requests[0]?.headers["x-request-id"]).toBe("req-42");
    expect(vendor.requests[0]?.headers["x-request-id"]).toBeUndefined();
    for (const request of [...internal.requests, ...vendor.requests]) expect(request.headers["x-internal-admin"]).toBeUndefined();
  });

  it("H10: no x-request-id is made up when the client sends none (Trestle does not generate one)", async () => {
    await query(trestle, `{ internal { id } }`);
    expect(internal.requests[0]?.headers["x-request-id"]).toBeUndefined();
  });
});

describe("H11: credentials stay on the upstream's origin", () => {
  it("H11: a redirect to another origin is not followed, so the credentials never leave", async () => {
    const result = await query(trestle, `{ redirect { id } }`, {}, credentials);
    expect(result.errors?.[0]?.extensions).toEqual({ code: "UPSTREAM_BAD_RESPONSE", status: 302, upstream: "internal" });
    expect(elsewhere.requests).toHaveLength(0);
    expect(JSON.stringify(result)).not.toContain(elsewhere.url);
  });

  it("H11: a retry goes to the same origin with the same headers, and nowhere else", async () => {
    const result = await query(trestle, `{ flaky { id } }`, {}, credentials);
    expect(result.data).toEqual({ flaky: { id: "flaky" } });
    expect(internal.requests.map((r) => [r.url, r.headers["authorization"]])).toEqual([
      ["/flaky", "Bearer CANARY-token"],
      ["/flaky", "Bearer CANARY-token"],
    ]);
    expect(vendor.requests).toHaveLength(0);
    expect(elsewhere.requests).toHaveLength(0);
  });
});

describe("H12: content negotiation is Trestle's own", () => {
  it("H12: a @rest field asks for JSON whatever the client's Accept and Accept-Encoding say", async () => {
    await query(trestle, `{ internal { id } }`, {}, { "accept-encoding": "br, gzip", "accept-language": "fr" });
    const sent = internal.requests[0]!.headers;
    expect(sent["accept"]).toBe("application/json");
    expect(sent["accept-encoding"]).toBeUndefined();
    expect(sent["accept-language"]).toBeUndefined();
  });

  it("H12: passthrough passes Accept as sent, not Accept-Encoding (the upstream answers uncompressed)", async () => {
    const response = await passthrough("/rest/vendor/echo", { accept: "application/json", "accept-encoding": "br, gzip" });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-encoding")).toBeNull();
    const sent = vendor.requests[0]!.headers;
    expect(sent["accept"]).toBe("application/json");
    expect(sent["accept-encoding"]).toBeUndefined();
  });
});
