import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { query } from "../helpers/graphql.js";
import { sendJson, startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";

let upstream: TestUpstream;
let trestle: Trestle;
let server: Server;
let base: string;

beforeAll(async () => {
  upstream = await startTestUpstream(async (req, res) => {
    if (req.url === "/slow") await new Promise((resolve) => setTimeout(resolve, 300));
    sendJson(res, 200, { id: req.url });
  });
  trestle = await createTestTrestle(
    `extend schema @upstream(name: "api", baseUrl: "${upstream.url}")
     type Query { item: Item @rest(path: "/item") slow: Item @rest(path: "/slow") }
     type Item { id: String }`,
    { prefix: "/bff" },
  );
  // The host app: Trestle first, then its own routes through next().
  server = createServer((req, res) => {
    void trestle.handle(req, res, () => {
      res.writeHead(req.url === "/app/hello" ? 200 : 404, { "content-type": "text/plain" });
      res.end(req.url === "/app/hello" ? "hello from the app" : "app 404");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await trestle.close();
  await upstream.close();
});

describe("routes under a prefix", () => {
  it("serves GraphQL at <prefix>/graphql through fetch and through handle", async () => {
    expect((await query(trestle, `{ item { id } }`, {}, {}, "/bff/graphql")).data).toEqual({ item: { id: "/item" } });
    const response = await fetch(`${base}/bff/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ item { id } }" }),
    });
    expect(await response.json()).toEqual({ data: { item: { id: "/item" } } });
  });

  it("answers GET queries too (GraphQL over HTTP)", async () => {
    const response = await fetch(`${base}/bff/graphql?query=${encodeURIComponent("{ item { id } }")}`, {
      headers: { accept: "application/json" },
    });
    expect(await response.json()).toEqual({ data: { item: { id: "/item" } } });
  });

  it("serves GraphiQL to browsers", async () => {
    const response = await fetch(`${base}/bff/graphql`, { headers: { accept: "text/html" } });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("GraphiQL");
  });

  it("answers /healthz and /readyz", async () => {
    const health = await fetch(`${base}/bff/healthz`);
    expect([health.status, await health.json()]).toEqual([200, { status: "ok" }]);
    const ready = await fetch(`${base}/bff/readyz`);
    expect([ready.status, await ready.json()]).toEqual([200, { status: "ready", details: { upstreams: { api: "ok" }, cache: "ok" } }]);
  });

  it("hands requests it does not own to the host app's next()", async () => {
    const hello = await fetch(`${base}/app/hello`);
    expect([hello.status, await hello.text()]).toEqual([200, "hello from the app"]);
    const unprefixed = await fetch(`${base}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect([unprefixed.status, await unprefixed.text()]).toEqual([404, "app 404"]);
  });

  it("answers 404 itself for unknown paths when there is no next()", async () => {
    const response = await trestle.fetch(new Request("http://t.test/bff/nope"));
    expect(response.status).toBe(404);
  });
});

describe("close()", () => {
  it("waits for in-flight requests, then reports not ready and closes its pools", async () => {
    const own = await createTestTrestle(
      `extend schema @upstream(name: "api", baseUrl: "${upstream.url}")
       type Query { slow: Item @rest(path: "/slow") }
       type Item { id: String }`,
    );
    const inFlight = query(own, `{ slow { id } }`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    let closed = false;
    const closing = own.close().then(() => (closed = true));
    const ready = await own.fetch(new Request("http://t.test/readyz"));
    expect(ready.status).toBe(503);
    expect(closed).toBe(false);
    expect((await inFlight).data).toEqual({ slow: { id: "/slow" } });
    await closing;
    expect(closed).toBe(true);
  });
});

describe("options", () => {
  it("rejects a malformed prefix", async () => {
    await expect(createTestTrestle(`type Query { a: Int }`, { prefix: "bff" })).rejects.toThrow(
      'prefix must be a path like "/bff", received "bff"',
    );
  });

  it("throws a SchemaError listing every diagnostic", async () => {
    await expect(createTestTrestle(`type Query { a: Int @rest(path: "/a") }`)).rejects.toThrow(
      /Trestle schema has 1 error:\n<sdl>: the schema declares no @upstream/,
    );
  });

  it("overrides an upstream's baseUrl from options", async () => {
    const own = await createTestTrestle(
      `extend schema @upstream(name: "api", baseUrl: "http://127.0.0.1:9/never")
       type Query { item: Item @rest(path: "/item") }
       type Item { id: String }`,
      { upstreams: { api: { baseUrl: upstream.url } } },
    );
    const result = await query(own, `{ item { id } }`);
    await own.close();
    expect(result.data).toEqual({ item: { id: "/item" } });
  });

  it("refuses overrides for upstreams the schema does not declare", async () => {
    await expect(
      createTestTrestle(`extend schema @upstream(name: "api", baseUrl: "http://h") type Query { a: Int @rest(path: "/a") }`, {
        upstreams: { apl: { baseUrl: "http://x" } },
      }),
    ).rejects.toThrow('options.upstreams names "apl", but the schema declares no @upstream "apl" (declared: api)');
  });

  it("reads {context.X} from the context function", async () => {
    const own = await createTestTrestle(
      `extend schema @upstream(name: "api", baseUrl: "${upstream.url}")
       type Query { item: Item @rest(path: "/item?user={context.user.id}") }
       type Item { id: String }`,
      { context: (request) => ({ user: { id: request.headers.get("x-user") ?? "anonymous" } }) },
    );
    const result = await query(own, `{ item { id } }`, {}, { "x-user": "u 1" });
    await own.close();
    expect(result.data).toEqual({ item: { id: "/item?user=u%201" } });
  });

  it("keeps two instances with different schemas apart", async () => {
    const a = await createTestTrestle(
      `extend schema @upstream(name: "a", baseUrl: "${upstream.url}/a") type Query { x: Item @rest(path: "/x") } type Item { id: String }`,
    );
    const b = await createTestTrestle(
      `extend schema @upstream(name: "b", baseUrl: "${upstream.url}/b") type Query { y: Item @rest(path: "/y") } type Item { id: String }`,
    );
    const [ra, rb] = await Promise.all([query(a, `{ x { id } }`), query(b, `{ y { id } }`)]);
    await Promise.all([a.close(), b.close()]);
    expect([ra.data, rb.data]).toEqual([{ x: { id: "/a/x" } }, { y: { id: "/b/y" } }]);
  });
});
