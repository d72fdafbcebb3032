import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Trestle, TrestleOptions } from "../../src/index.js";
import { serveCors } from "../../src/cli/serve-command.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { sendJson, startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";

// One CORS policy for every route (GraphQL POST and GET, passthrough, health), through both
// `trestle.fetch` and `trestle.handle`; preflights are answered by Trestle, never upstream.
const app = "https://app.example.com";
const evil = "https://evil.example.net";
let upstream: TestUpstream;
const closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  upstream = await startTestUpstream((_req, res) =>
    sendJson(res, 200, { id: "1" }, { "cache-control": "public, max-age=60", vary: "accept-language" }),
  );
});
afterAll(async () => {
  for (const close of closers) await close();
  await upstream.close();
});

interface Entry {
  name: string;
  send(
    path: string,
    init: { method?: string; headers?: Record<string, string>; body?: string },
  ): Promise<{ status: number; headers: Headers; text: string }>;
}

/** A Trestle with `cors`, reachable through `fetch` and through `handle` on a loopback server. */
async function entries(cors: TrestleOptions["cors"]): Promise<Entry[]> {
  const options: Partial<TrestleOptions> = cors === undefined ? {} : { cors };
  const trestle: Trestle = await createTestTrestle(
    /* GraphQL */ `
      extend schema @upstream(name: "api", baseUrl: "${upstream.url}", headers: [{ name: "accept-language", from: "accept-language", identity: false }], passthrough: { methods: [GET, POST], paths: ["/items/**"] })
      type Query { item: Item @rest(path: "/items/1") }
      type Mutation { touch: Item @rest(method: POST, path: "/items/1") }
      type Item { id: ID }
    `,
    options,
  );
  const server: Server = createServer((req, res) => void trestle.handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  closers.push(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await trestle.close();
  });
  const read = async (response: Response) => ({ status: response.status, headers: response.headers, text: await response.text() });
  return [
    { name: "fetch", send: async (path, init) => read(await trestle.fetch(new Request(`http://trestle.test${path}`, init))) },
    { name: "handle", send: async (path, init) => read(await fetch(`${base}${path}`, init)) },
  ];
}

const post = (origin: string, query = "{ item { id } }") => ({
  method: "POST",
  headers: { origin, "content-type": "application/json" },
  body: JSON.stringify({ query }),
});
const get = (origin: string) => ({ headers: { origin } });
const preflight = (origin: string, method = "POST") => ({
  method: "OPTIONS",
  headers: { origin, "access-control-request-method": method, "access-control-request-headers": "content-type, authorization" },
});
const varyOf = (headers: Headers) => (headers.get("vary") ?? "").split(",").map((name) => name.trim().toLowerCase());

describe("CORS: an explicit origin list with credentials", () => {
  let routes: Entry[];
  beforeAll(async () => (routes = await entries({ origin: [app], credentials: true })));

  it("a listed origin gets Access-Control-Allow-Origin on POST JSON, GET, a mutation, passthrough and health alike", async () => {
    for (const entry of routes) {
      for (const [path, init] of [
        ["/graphql", post(app)],
        ["/graphql", post(app, "mutation { touch { id } }")],
        [`/graphql?query=${encodeURIComponent("{ item { id } }")}`, get(app)],
        ["/rest/api/items/1", get(app)],
        ["/healthz", get(app)],
      ] as const) {
        const answer = await entry.send(path, init);
        expect(answer.status, `${entry.name} ${path}`).toBe(200);
        expect(answer.headers.get("access-control-allow-origin"), `${entry.name} ${path}`).toBe(app);
        expect(answer.headers.get("access-control-allow-credentials"), `${entry.name} ${path}`).toBe("true");
        expect(varyOf(answer.headers), `${entry.name} ${path}`).toContain("origin");
      }
    }
  });

  it("an origin not listed is never echoed, and the answer still says it varies by Origin", async () => {
    for (const entry of routes) {
      for (const [path, init] of [
        ["/graphql", post(evil)],
        [`/graphql?query=${encodeURIComponent("{ item { id } }")}`, get(evil)],
        ["/rest/api/items/1", get(evil)],
      ] as const) {
        const answer = await entry.send(path, init);
        expect(answer.headers.get("access-control-allow-origin"), `${entry.name} ${path}`).toBeNull();
        expect(answer.headers.get("access-control-allow-credentials"), `${entry.name} ${path}`).toBeNull();
        expect(varyOf(answer.headers), `${entry.name} ${path}`).toContain("origin");
      }
      // A normal client is served all the same.
      expect((await entry.send("/graphql", post(app))).text).toBe(JSON.stringify({ data: { item: { id: "1" } } }));
    }
  });

  it("the Origin in Vary is added to the answer's own Vary (cacheable GraphQL and passthrough answers), not in place of it", async () => {
    for (const entry of routes) {
      const graphql = await entry.send("/graphql", { ...post(app), headers: { ...post(app).headers, "accept-language": "fr" } });
      expect(graphql.headers.get("cache-control")).toMatch(/^public, max-age=\d+$/);
      expect(varyOf(graphql.headers)).toEqual(expect.arrayContaining(["origin", "accept-language"]));
      const rest = await entry.send("/rest/api/items/1", get(app));
      expect(varyOf(rest.headers)).toEqual(expect.arrayContaining(["origin", "accept-language"]));
    }
  });

  it("preflights are answered by Trestle with 204 on GraphQL and passthrough routes, never forwarded upstream", async () => {
    const before = upstream.requests.filter((r) => r.method === "OPTIONS").length;
    for (const entry of routes) {
      for (const path of ["/graphql", "/rest/api/items/1"]) {
        const allowed = await entry.send(path, preflight(app));
        expect(allowed.status, `${entry.name} ${path}`).toBe(204);
        expect(allowed.headers.get("access-control-allow-origin")).toBe(app);
        expect(allowed.headers.get("access-control-allow-methods")).toContain("POST");
        expect(allowed.headers.get("access-control-allow-headers")).toBe("content-type, authorization");
        expect(allowed.text).toBe("");
        const refused = await entry.send(path, preflight(evil, "DELETE"));
        expect(refused.status, `${entry.name} ${path}`).toBe(204);
        expect(refused.headers.get("access-control-allow-origin")).toBeNull();
        expect(refused.headers.get("access-control-allow-methods")).toBeNull();
        expect(varyOf(refused.headers)).toContain("origin");
      }
    }
    expect(upstream.requests.filter((r) => r.method === "OPTIONS").length).toBe(before);
  });
});

describe("CORS defaults and other forms", () => {
  it("embedded without `cors`: no CORS headers on any route (the host owns CORS), not even yoga's reflected origin on GET", async () => {
    for (const entry of await entries(undefined)) {
      for (const [path, init] of [
        ["/graphql", post(evil)],
        [`/graphql?query=${encodeURIComponent("{ item { id } }")}`, get(evil)],
        ["/rest/api/items/1", get(evil)],
      ] as const) {
        const answer = await entry.send(path, init);
        expect(answer.status).toBe(200);
        expect(answer.headers.get("access-control-allow-origin"), `${entry.name} ${path}`).toBeNull();
      }
      const answer = await entry.send("/graphql", preflight(evil));
      expect(answer.status).toBe(204);
      expect(answer.headers.get("access-control-allow-origin")).toBeNull();
      expect(answer.headers.get("access-control-allow-methods")).toBeNull();
    }
  });

  it('`cors: true` and `origin: "*"` answer `*`, never the request\'s Origin, never with credentials, no Vary: Origin', async () => {
    for (const entry of await entries(true)) {
      const answer = await entry.send("/graphql", post(evil));
      expect(answer.headers.get("access-control-allow-origin")).toBe("*");
      expect(answer.headers.get("access-control-allow-credentials")).toBeNull();
      expect(varyOf(answer.headers)).not.toContain("origin");
    }
  });

  it("a port wildcard allows any port of that host only", async () => {
    for (const entry of await entries({ origin: ["http://localhost:*"] })) {
      expect((await entry.send("/graphql", post("http://localhost:5173"))).headers.get("access-control-allow-origin")).toBe(
        "http://localhost:5173",
      );
      for (const origin of [
        "http://localhost.evil.net:5173",
        "http://localhost:5173.evil.net",
        "https://localhost:5173",
        "http://localhost",
      ]) {
        expect((await entry.send("/graphql", post(origin))).headers.get("access-control-allow-origin"), origin).toBeNull();
      }
    }
  });

  it("credentials without an explicit list, and origins that are not origins, are refused at startup naming the input", async () => {
    await expect(createTestTrestle(`type Query { a: String }`, { cors: { origin: "*", credentials: true } })).rejects.toMatchObject({
      code: "CONFIG_INVALID",
      message: expect.stringContaining('"*"'),
    });
    await expect(
      createTestTrestle(`type Query { a: String }`, { cors: { origin: ["http://localhost:*"], credentials: true } }),
    ).rejects.toMatchObject({ code: "CONFIG_INVALID" });
    await expect(createTestTrestle(`type Query { a: String }`, { cors: { origin: ["app.example.com/path"] } })).rejects.toMatchObject({
      code: "CONFIG_INVALID",
      message: expect.stringContaining("app.example.com/path"),
    });
  });

  it("trestle serve: loopback origins without credentials outside production, none in production, credentials with an explicit --cors list", () => {
    expect(serveCors([], false)).toEqual({ origin: ["http://localhost:*", "http://127.0.0.1:*"] });
    expect(serveCors([], true)).toBe(false);
    expect(serveCors(["https://a.example", "https://b.example,https://c.example"], true)).toEqual({
      origin: ["https://a.example", "https://b.example", "https://c.example"],
      credentials: true,
    });
    expect(serveCors(["*"], false)).toEqual({ origin: ["*"], credentials: false });
  });
});

describe("CORS on passthrough problem answers", () => {
  it("an upstream status no server may write back (99) is a problem answer that still carries the CORS headers (handle and fetch)", async () => {
    const { createServer: createTcpServer } = await import("node:net");
    // An upstream whose status no HTTP server may write back (99).
    const raw = createTcpServer((socket) => {
      socket.once("data", () =>
        socket.end("HTTP/1.1 099 Odd\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}"),
      );
    });
    await new Promise<void>((resolve) => raw.listen(0, "127.0.0.1", resolve));
    const trestle = await createTestTrestle(
      `extend schema @upstream(name: "odd", baseUrl: "http://127.0.0.1:${(raw.address() as AddressInfo).port}", passthrough: { paths: ["/**"] }, retry: { attempts: 0 })
       type Query { a: String @rest(path: "/a") }`,
      { cors: { origin: [app] } },
    );
    const server: Server = createServer((req, res) => void trestle.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const viaHandle = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/rest/odd/x`, { headers: { origin: app } });
      const viaFetch = await trestle.fetch(new Request("http://t.test/rest/odd/x", { headers: { origin: app } }));
      for (const answer of [viaHandle, viaFetch]) {
        expect(answer.status).toBeGreaterThanOrEqual(500);
        expect(answer.headers.get("content-type")).toContain("application/problem+json");
        expect(answer.headers.get("access-control-allow-origin")).toBe(app);
        expect(varyOf(answer.headers)).toContain("origin");
      }
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await trestle.close();
      await new Promise((resolve) => raw.close(resolve));
    }
  });
});
