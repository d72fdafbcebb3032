import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { query } from "../helpers/graphql.js";
import { sendJson, startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";
import { rawRequest, sendRaw, serveTrestle, type TrestleServer } from "./raw-http.js";

// Case ids (U18, H03…): docs/threat-model.md, passthrough routing and headers.
let upstream: TestUpstream;
let trestle: Trestle;
let server: TrestleServer;

beforeAll(async () => {
  upstream = await startTestUpstream((req, res) => {
    const path = req.url.split("?")[0];
    switch (path) {
      case "/api/teapot":
        res.writeHead(418, { "content-type": "text/plain", "x-teapot": "short", etag: '"t1"', "cache-control": "max-age=5" });
        return res.end("short and stout");
      case "/api/empty":
        return res.writeHead(204, { "x-empty": "yes" }).end();
      case "/api/redirect":
        return res.writeHead(302, { location: `${upstream.url}/api/models/next?x=1` }).end();
      case "/api/redirect-away":
        return res.writeHead(307, { location: "https://elsewhere.example/models" }).end();
      case "/api/hop":
        res.setHeader("connection", "x-internal, x-other");
        res.setHeader("x-internal", "CANARY");
        res.setHeader("x-other", "CANARY");
        res.setHeader("keep-alive", "timeout=5");
        res.setHeader("proxy-authenticate", "Basic");
        res.setHeader("trailer", "x-checksum");
        res.setHeader("upgrade", "h2c");
        res.setHeader("server", "uvicorn/CANARY");
        res.setHeader("x-powered-by", "CANARY");
        res.setHeader("alt-svc", 'h3=":443"');
        res.setHeader("x-kept", "yes");
        return sendJson(res, 200, { ok: true });
      case "/api/cookies":
        return sendJson(res, 200, { ok: true }, { "set-cookie": ["session=CANARY; HttpOnly", "theme=dark"] } as unknown as Record<
          string,
          string
        >);
      default:
        return sendJson(res, 200, { method: req.method, url: req.url, body: req.body }, { "x-upstream": "yes" });
    }
  });
  trestle = await createTestTrestle(
    /* GraphQL */ `
    extend schema
      @upstream(
        name: "api"
        baseUrl: "${upstream.url}/api"
        headers: [
          { name: "authorization", from: "authorization" }
          { name: "x-api-key", value: "{env.API_KEY}" }
          { name: "x-hop", from: "x-hop" }
        ]
        passthrough: {
          methods: [GET, POST, PUT, DELETE]
          paths: ["/models/**", "/teapot", "/empty", "/redirect", "/redirect-away", "/hop", "/cookies"]
          maxRequestBytes: 1000
        }
      )
      @upstream(name: "jar", baseUrl: "${upstream.url}/api", passthrough: { paths: ["/cookies"], setCookie: true })
      @upstream(name: "closed", baseUrl: "${upstream.url}/api")
    type Query { model: Model @rest(upstream: "api", path: "/models/m") }
    type Model { url: String }
  `,
    { env: { API_KEY: "k-1" } },
  );
  server = await serveTrestle(trestle);
});
afterAll(async () => {
  await server.close();
  await trestle.close();
  await upstream.close();
});
beforeEach(() => {
  upstream.requests.length = 0;
});

type Via = (path: string, init?: RequestInit) => Promise<Response>;
const transports: Array<[string, Via]> = [
  ["trestle.fetch", (path, init) => trestle.fetch(new Request(`http://trestle.test${path}`, init))],
  ["trestle.handle", (path, init) => fetch(`${server.url}${path}`, { ...init, redirect: "manual" })],
];

async function problem(response: Response): Promise<Record<string, unknown>> {
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  return (await response.json()) as Record<string, unknown>;
}

describe.each(transports)("through %s", (_name, via) => {
  describe("routing", () => {
    it("forwards a declared path under the upstream's base path, query string kept as sent", async () => {
      const response = await via("/rest/api/models/fraud-xgb/versions?b=2&a=1&a=%2F&empty=&flag");
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ method: "GET", url: "/api/models/fraud-xgb/versions?b=2&a=1&a=%2F&empty=&flag", body: "" });
    });

    it("answers 404 with a problem body for an unknown upstream, and calls nothing", async () => {
      const response = await via("/rest/nope/models");
      expect(response.status).toBe(404);
      expect(await problem(response)).toEqual({
        type: "https://trestle.dev/problems/route-not-found",
        title: "No passthrough route",
        status: 404,
        detail: 'No upstream "nope" is open for passthrough.',
        code: "ROUTE_NOT_FOUND",
      });
      expect(upstream.requests).toEqual([]);
    });

    it("answers 404 for an upstream without passthrough, the same way", async () => {
      const response = await via("/rest/closed/models");
      expect([response.status, (await problem(response))["detail"]]).toEqual([404, 'No upstream "closed" is open for passthrough.']);
    });

    it("answers 404 for a path no glob matches", async () => {
      const response = await via("/rest/api/admin/users");
      expect([response.status, (await problem(response))["detail"]]).toEqual([
        404,
        'Upstream "api" has no passthrough route for /admin/users.',
      ]);
      expect(upstream.requests).toEqual([]);
    });

    it("answers 405 with Allow for an undeclared method", async () => {
      const response = await via("/rest/api/models/x", { method: "PATCH" });
      expect(response.status).toBe(405);
      expect(response.headers.get("allow")).toBe("GET, POST, PUT, DELETE, HEAD");
      expect(await problem(response)).toMatchObject({ type: "https://trestle.dev/problems/method-not-allowed", status: 405 });
      expect(upstream.requests).toEqual([]);
    });
  });

  describe("the upstream's answer, as it is", () => {
    it("passes status, headers and body", async () => {
      const response = await via("/rest/api/teapot");
      expect(response.status).toBe(418);
      expect(response.headers.get("x-teapot")).toBe("short");
      expect(response.headers.get("etag")).toBe('"t1"');
      expect(response.headers.get("cache-control")).toBe("max-age=5");
      expect(await response.text()).toBe("short and stout");
    });

    it("passes a 204 with no body", async () => {
      const response = await via("/rest/api/empty", { method: "DELETE" });
      expect([response.status, response.headers.get("x-empty"), await response.text()]).toEqual([204, "yes", ""]);
      expect(upstream.requests.map((r) => r.method)).toEqual(["DELETE"]);
    });

    it("answers HEAD (opened by GET) with the headers and no body", async () => {
      const response = await via("/rest/api/models/x", { method: "HEAD" });
      expect([response.status, response.headers.get("x-upstream"), await response.text()]).toEqual([200, "yes", ""]);
      expect(upstream.requests.map((r) => r.method)).toEqual(["HEAD"]);
    });

    it("sends a POST body with its content type", async () => {
      const response = await via("/rest/api/models/x/predict", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: '{"inputs":[1]}',
      });
      expect(await response.json()).toMatchObject({ method: "POST", body: '{"inputs":[1]}' });
      expect(upstream.requests[0]?.headers["content-type"]).toBe("application/json");
    });

    it("passes a redirect to the client without following it, rewriting Location on the upstream's own origin", async () => {
      const response = await via("/rest/api/redirect");
      expect([response.status, response.headers.get("location")]).toEqual([302, "/rest/api/models/next?x=1"]);
      const away = await via("/rest/api/redirect-away");
      expect([away.status, away.headers.get("location")]).toEqual([307, "https://elsewhere.example/models"]);
      expect(upstream.requests.map((r) => r.url)).toEqual(["/api/redirect", "/api/redirect-away"]);
    });

    it("H04/H08: strips hop-by-hop headers, those Connection lists, and Server, X-Powered-By, Alt-Svc", async () => {
      const response = await via("/rest/api/hop");
      const names = [...response.headers.keys()];
      for (const name of ["x-internal", "x-other", "proxy-authenticate", "trailer", "upgrade", "server", "x-powered-by", "alt-svc"]) {
        expect(names).not.toContain(name);
      }
      expect(response.headers.get("keep-alive") ?? "").not.toContain("timeout=5, ");
      expect(response.headers.get("x-kept")).toBe("yes");
      expect(await response.json()).toEqual({ ok: true });
    });

    it("H07: drops Set-Cookie unless the upstream opts in, then passes every cookie", async () => {
      const closed = await via("/rest/api/cookies");
      expect(closed.headers.getSetCookie()).toEqual([]);
      const open = await via("/rest/jar/cookies");
      expect(open.headers.getSetCookie()).toEqual(["session=CANARY; HttpOnly", "theme=dark"]);
    });
  });

  describe("headers sent upstream", () => {
    it("H10, H12: forwards only declared headers, the negotiation ones, and the forwarding ones", async () => {
      await via("/rest/api/models/x", {
        headers: {
          authorization: "Bearer user-1",
          cookie: "session=CANARY",
          "x-internal-admin": "1",
          "user-agent": "CANARY-agent",
          "accept-language": "fr",
          "accept-encoding": "gzip",
          accept: "application/json",
          "if-match": '"v1"',
        },
      });
      const { headers } = upstream.requests[0]!;
      expect(headers["authorization"]).toBe("Bearer user-1");
      expect(headers["x-api-key"]).toBe("k-1");
      expect(headers["accept"]).toBe("application/json");
      expect(headers["if-match"]).toBe('"v1"');
      expect(headers["host"]).toBe(new URL(upstream.url).host);
      for (const name of [
        "cookie",
        "x-internal-admin",
        "user-agent",
        "accept-language",
        "accept-encoding",
        "content-length",
        "transfer-encoding",
      ]) {
        expect(headers[name]).toBeUndefined();
      }
      // S02: no allow-listed host, so neither the client's host nor its scheme is forwarded.
      expect(headers["x-forwarded-host"]).toBeUndefined();
      expect(headers["x-forwarded-proto"]).toBeUndefined();
    });

    it("H01: never forwards an undeclared Authorization", async () => {
      const own = await createTestTrestle(
        `extend schema @upstream(name: "api", baseUrl: "${upstream.url}/api", passthrough: { paths: ["/**"] }) type Query { a: Int }`,
      );
      await own.fetch(
        new Request("http://trestle.test/rest/api/models/x", { headers: { authorization: "Bearer CANARY", cookie: "a=CANARY" } }),
      );
      await own.close();
      expect(upstream.requests[0]?.headers["authorization"]).toBeUndefined();
      expect(upstream.requests[0]?.headers["cookie"]).toBeUndefined();
    });
  });
});

describe("raw requests through trestle.handle", () => {
  it("H03: strips hop-by-hop request headers, including those Connection lists (even when declared)", async () => {
    const answer = await sendRaw(
      server.port,
      [
        "GET /rest/api/models/x HTTP/1.1",
        "Host: trestle.test",
        "Connection: close, X-Hop, Authorization",
        "X-Hop: 1",
        "Authorization: Bearer CANARY",
        "Keep-Alive: timeout=99",
        "TE: trailers",
        "Trailer: x-checksum",
        "Upgrade: websocket",
        "Proxy-Authorization: Basic CANARY",
        "Proxy-Connection: keep-alive",
        "",
        "",
      ].join("\r\n"),
    );
    expect(answer.status).toBe(200);
    const { headers } = upstream.requests[0]!;
    for (const name of ["x-hop", "authorization", "keep-alive", "te", "trailer", "upgrade", "proxy-authorization", "proxy-connection"]) {
      expect(headers[name]).toBeUndefined();
    }
    expect(headers["x-api-key"]).toBe("k-1");
  });

  it("H06, S02: sets Host for the upstream and never passes on the client's forwarding headers from an untrusted peer", async () => {
    await sendRaw(
      server.port,
      [
        "GET /rest/api/models/x HTTP/1.1",
        "Host: evil.example",
        "Connection: close",
        "X-Forwarded-For: 203.0.113.9",
        "X-Forwarded-Host: evil-too.example",
        "X-Forwarded-Proto: https",
        "Forwarded: for=203.0.113.9;host=evil-three.example",
        "",
        "",
      ].join("\r\n"),
    );
    const { headers } = upstream.requests[0]!;
    expect(headers["host"]).toBe(new URL(upstream.url).host);
    expect(headers["x-forwarded-for"]).toBe("127.0.0.1");
    expect(headers["x-forwarded-host"]).toBeUndefined();
    expect(headers["x-forwarded-proto"]).toBeUndefined();
    expect(headers["forwarded"]).toBe("for=127.0.0.1");
  });

  it("U18: drops the body of a GET, and its Content-Length", async () => {
    const answer = await sendRaw(
      server.port,
      rawRequest("GET /rest/api/models/x HTTP/1.1", { "Content-Length": "20", "Content-Type": "text/plain" }, "x".repeat(20)),
    );
    expect(answer.status).toBe(200);
    const [seen] = upstream.requests;
    expect([
      seen?.method,
      seen?.body,
      seen?.headers["content-length"],
      seen?.headers["transfer-encoding"],
      seen?.headers["content-type"],
    ]).toEqual(["GET", "", undefined, undefined, undefined]);
  });

  it("answers 413 for a declared Content-Length over maxRequestBytes without calling the upstream", async () => {
    const answer = await sendRaw(
      server.port,
      rawRequest("POST /rest/api/models/x HTTP/1.1", { "Content-Length": "1001" }, "x".repeat(1001)),
    );
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({ type: "https://trestle.dev/problems/request-too-large", status: 413, upstream: "api" });
    expect(upstream.requests).toEqual([]);
  });

  it("answers 413 for a chunked body that grows past maxRequestBytes", async () => {
    const chunk = (text: string) => `${text.length.toString(16)}\r\n${text}\r\n`;
    const body = chunk("x".repeat(600)) + chunk("y".repeat(600)) + "0\r\n\r\n";
    const answer = await sendRaw(server.port, rawRequest("POST /rest/api/models/x HTTP/1.1", { "Transfer-Encoding": "chunked" }, body));
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({
      status: 413,
      detail: 'The request body is larger than 1000 bytes, the limit for upstream "api".',
    });
    expect((await fetch(`${server.url}/rest/api/models/after`)).status).toBe(200);
  });
});

describe("bodies through trestle.fetch", () => {
  it("refuses a body longer than its Content-Length with 400, without calling the upstream", async () => {
    const response = await trestle.fetch(
      new Request("http://trestle.test/rest/api/models/x", { method: "POST", body: "x".repeat(50), headers: { "content-length": "10" } }),
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      type: "https://trestle.dev/problems/bad-request",
      detail: "The request body is longer than its Content-Length.",
    });
    expect(upstream.requests).toEqual([]);
  });

  it("sends a body of unknown length chunked", async () => {
    const response = await trestle.fetch(new Request("http://trestle.test/rest/api/models/x", { method: "PUT", body: "streamed" }));
    expect(await response.json()).toMatchObject({ method: "PUT", body: "streamed" });
    expect(upstream.requests[0]?.headers["transfer-encoding"]).toBe("chunked");
  });
});

describe("alongside GraphQL", () => {
  it("owns <prefix>/rest/ and still serves GraphQL", async () => {
    expect(trestle.owns("/rest/api/models/x?y=1")).toBe(true);
    expect(trestle.owns("/restless")).toBe(false);
    expect((await query(trestle, "{ model { url } }")).data).toEqual({ model: { url: "/api/models/m" } });
  });

  it("leaves <prefix>/rest/ to the host app when no upstream declares passthrough", async () => {
    const own = await createTestTrestle(
      `extend schema @upstream(name: "api", baseUrl: "${upstream.url}") type Query { a: Int @rest(path: "/a") }`,
    );
    expect([own.owns("/rest/api/x"), own.owns("/graphql")]).toEqual([false, true]);
    await own.close();
  });

  it("serves passthrough under the prefix, through fetch and handle, and hands unprefixed paths to next()", async () => {
    const own = await createTestTrestle(
      `extend schema @upstream(name: "api", baseUrl: "${upstream.url}/api", passthrough: { paths: ["/models/**"] }) type Query { a: Int }`,
      { prefix: "/bff" },
    );
    const viaFetch = await own.fetch(new Request("http://trestle.test/bff/rest/api/models/x"));
    expect(await viaFetch.json()).toMatchObject({ url: "/api/models/x" });
    const ownServer = await serveTrestle(own);
    const viaHandle = await fetch(`${ownServer.url}/bff/rest/api/models/y`, { redirect: "manual" });
    expect(await viaHandle.json()).toMatchObject({ url: "/api/models/y" });
    const unprefixed = await own.fetch(new Request("http://trestle.test/rest/api/models/x"));
    expect(unprefixed.status).toBe(404);
    let passedOn = false;
    const { createServer } = await import("node:http");
    const app = createServer((req, res) => void own.handle(req, res, () => ((passedOn = true), res.writeHead(404).end())));
    await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
    const port = (app.address() as { port: number }).port;
    await fetch(`http://127.0.0.1:${port}/rest/api/models/x`);
    expect(passedOn).toBe(true);
    app.closeAllConnections();
    await new Promise((resolve) => app.close(resolve));
    await ownServer.close();
    await own.close();
  });
});

describe("configuration", () => {
  it("refuses a passthrough maxRequestBytes that is not a positive integer", async () => {
    await expect(
      createTestTrestle(
        `extend schema @upstream(name: "api", baseUrl: "http://127.0.0.1:9", passthrough: { paths: ["/**"], maxRequestBytes: 0 }) type Query { a: Int }`,
      ),
    ).rejects.toThrow("passthrough maxRequestBytes must be a positive integer, received 0");
  });

  it("refuses a glob with a partial wildcard segment", async () => {
    await expect(
      createTestTrestle(
        `extend schema @upstream(name: "api", baseUrl: "http://127.0.0.1:9", passthrough: { paths: ["/models*"] }) type Query { a: Int }`,
      ),
    ).rejects.toThrow('passthrough path "/models*" must start with "/" and use * or ** only as whole segments');
  });
});
