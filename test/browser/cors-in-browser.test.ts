import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { bundleApollo } from "../helpers/bundle-apollo.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { launchOfflineChromium, watchOffHost, type OfflineChromium } from "../helpers/launch-chromium.js";
import { servePage, type ServedPage } from "../helpers/serve-page.js";
import { sendJson, startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";
import { serveTrestle, type TrestleServer } from "../passthrough/raw-http.js";

// CORS proven in Chromium: a page on one origin runs Apollo Client 4 (bundled here, no CDN)
// against Trestle on another origin, with a real upstream behind it. The browser enforces the
// answers' CORS headers, so what the page can read is what a frontend team gets. Timeouts are
// generous for a loaded CI machine; each test takes 2-5 s idle.
type Apollo = Pick<typeof import("@apollo/client"), "ApolloClient" | "HttpLink" | "InMemoryCache" | "gql">;

const root = fileURLToPath(new URL("../../", import.meta.url));
const schema = (url: string) => `
  extend schema @upstream(name: "api", baseUrl: "${url}", headers: [{ name: "cookie", from: "cookie" }],
    passthrough: { methods: [GET, POST], paths: ["/items/**"] })
  type Query { item(id: ID!): Item @rest(path: "/items/{args.id}") }
  type Mutation { addItem(name: String!): Item @rest(method: POST, path: "/items", body: "{\\"name\\": {args.name}}") }
  type Item { id: ID name: String }`;

let upstream: TestUpstream;
let trestle: Trestle;
let served: TrestleServer;
/** Every request Trestle's server received, as "METHOD /path", preflights included. */
const arrived: string[] = [];
let allowed: ServedPage;
let other: ServedPage;
let chromium: OfflineChromium;
let context: BrowserContext;
let offHost: string[];

beforeAll(async () => {
  upstream = await startTestUpstream((req, res) => {
    if (req.method === "GET" && req.url === "/items/1")
      return sendJson(res, 200, { id: "1", name: "first" }, { "cache-control": "max-age=60" });
    if (req.method === "POST" && req.url === "/items") return sendJson(res, 201, { id: "2", ...(JSON.parse(req.body) as object) });
    if (req.method === "POST" && req.url === "/items/echo") return sendJson(res, 200, { echoed: JSON.parse(req.body) as unknown });
    sendJson(res, 404, { error: `no ${req.method} ${req.url}` });
  });
  const html = `<!doctype html><html><head><script src="/apollo.js"></script></head><body>a frontend</body></html>`;
  const scripts = { "/apollo.js": await bundleApollo() };
  allowed = await servePage(html, scripts);
  other = await servePage(html, scripts);
  trestle = await createTestTrestle(schema(upstream.url), { cors: { origin: [allowed.origin], credentials: true } });
  served = await serveTrestle(
    trestle,
    createServer((req, res) => {
      arrived.push(`${req.method} ${req.url}`);
      void trestle.handle(req, res);
    }),
  );
  chromium = await launchOfflineChromium();
  context = await chromium.browser.newContext();
  offHost = watchOffHost(context);
  // A session cookie for 127.0.0.1 (any port): sent only with `credentials: "include"` across origins.
  await context.addCookies([{ name: "session", value: "s1", url: served.url }]);
}, 45_000);
afterAll(async () => {
  await chromium?.close();
  await served?.close();
  await trestle?.close();
  await Promise.all([allowed?.close(), other?.close(), upstream?.close()]);
  // No page asked anything of a host but 127.0.0.1 (Apollo came bundled, from the page's origin).
  expect(offHost).toEqual([]);
});
beforeEach(() => {
  upstream.requests.length = 0;
  arrived.length = 0;
});

interface Seen {
  method: string;
  url: string;
  headers: Record<string, string>;
}

/** A page of `origin`, and every answer Chromium received for it (headers as the browser saw them). */
async function open(origin: string): Promise<{ page: Page; seen: Seen[] }> {
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  const seen: Seen[] = [];
  page.on("response", (response) => {
    void response.allHeaders().then((headers) => seen.push({ method: response.request().method(), url: response.url(), headers }));
  });
  await page.goto(`${origin}/`);
  return { page, seen };
}
const corsHeadersOf = (headers: Record<string, string>) => Object.keys(headers).filter((name) => name.startsWith("access-control-allow"));
const varyOf = (headers: Record<string, string>) => (headers["vary"] ?? "").toLowerCase().split(/\s*,\s*/);

describe("a listed origin, with credentials", () => {
  it("Apollo Client runs a query and a mutation (POST JSON, preflighted) and the page fetches passthrough, cookies included", async () => {
    const { page, seen } = await open(allowed.origin);
    const outcome = await page.evaluate(async (trestleUrl) => {
      const { ApolloClient, HttpLink, InMemoryCache, gql } = (window as unknown as { apollo: Apollo }).apollo;
      const client = new ApolloClient({
        link: new HttpLink({ uri: `${trestleUrl}/graphql`, credentials: "include" }),
        cache: new InMemoryCache(),
      });
      const query = await client.query({
        query: gql`
          query One {
            item(id: "1") {
              id
              name
            }
          }
        `,
      });
      const mutation = await client.mutate({
        mutation: gql`
          mutation Add {
            addItem(name: "second") {
              id
              name
            }
          }
        `,
      });
      const read = await fetch(`${trestleUrl}/rest/api/items/1`, { credentials: "include" });
      const write = await fetch(`${trestleUrl}/rest/api/items/echo`, {
        method: "POST",
        credentials: "include",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ hello: "upstream" }),
      });
      return {
        query: query.data,
        mutation: mutation.data,
        read: { status: read.status, body: (await read.json()) as unknown, cacheStatus: read.headers.get("cache-status") },
        write: { status: write.status, body: (await write.json()) as unknown },
      };
    }, served.url);
    expect(outcome).toEqual({
      query: { item: { __typename: "Item", id: "1", name: "first" } },
      mutation: { addItem: { __typename: "Item", id: "2", name: "second" } },
      // Cache-Status is exposed to scripts (Access-Control-Expose-Headers), not only sent.
      read: { status: 200, body: { id: "1", name: "first" }, cacheStatus: expect.stringMatching(/^Trestle; /) as unknown },
      write: { status: 200, body: { echoed: { hello: "upstream" } } },
    });
    // The cookie went with every call, GraphQL and passthrough alike, and on to the upstream (a declared rule).
    expect(upstream.requests.map((r) => `${r.method} ${r.url} ${r.headers.cookie}`)).toEqual([
      "GET /items/1 session=s1",
      "POST /items session=s1",
      "GET /items/1 session=s1",
      "POST /items/echo session=s1",
    ]);
    // Chromium preflighted the JSON POSTs; Trestle answered them, the upstream never saw one.
    expect(arrived).toEqual(expect.arrayContaining(["OPTIONS /graphql", "OPTIONS /rest/api/items/echo"]));
    // What the browser saw on the GraphQL answers: the page's origin, credentials, and Vary: Origin.
    const graphql = seen.filter((answer) => answer.url === `${served.url}/graphql` && answer.method === "POST");
    expect(graphql).toHaveLength(2);
    for (const answer of graphql) {
      expect(answer.headers["access-control-allow-origin"]).toBe(allowed.origin);
      expect(answer.headers["access-control-allow-credentials"]).toBe("true");
      expect(answer.headers["access-control-expose-headers"]?.toLowerCase()).toContain("cache-status");
      expect(varyOf(answer.headers)).toContain("origin");
    }
    await page.close();
  }, 45_000);
});

describe("an origin not listed", () => {
  it("gets no Access-Control-Allow-* headers, the browser blocks every read, and its preflights reach no upstream (GraphQL and passthrough)", async () => {
    const { page, seen } = await open(other.origin);
    const outcome = await page.evaluate(async (trestleUrl) => {
      const { ApolloClient, HttpLink, InMemoryCache, gql } = (window as unknown as { apollo: Apollo }).apollo;
      const client = new ApolloClient({ link: new HttpLink({ uri: `${trestleUrl}/graphql` }), cache: new InMemoryCache() });
      const outcomes: string[] = [];
      const attempts: Array<() => Promise<unknown>> = [
        () =>
          client.query({
            query: gql`
              query One {
                item(id: "1") {
                  id
                }
              }
            `,
          }),
        () =>
          client.mutate({
            mutation: gql`
              mutation Add {
                addItem(name: "intruder") {
                  id
                }
              }
            `,
          }),
        () => fetch(`${trestleUrl}/rest/api/items/echo`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" }),
      ];
      for (const attempt of attempts) {
        outcomes.push(
          await attempt().then(
            () => "read",
            (error: Error) => `blocked: ${error.message}`,
          ),
        );
      }
      return outcomes;
    }, served.url);
    expect(outcome).toEqual(["blocked: Failed to fetch", "blocked: Failed to fetch", "blocked: Failed to fetch"]);
    // Only preflights reached Trestle, and nothing reached the upstream.
    expect(arrived).toEqual(["OPTIONS /graphql", "OPTIONS /graphql", "OPTIONS /rest/api/items/echo"]);
    expect(upstream.requests).toHaveLength(0);

    // The same preflight, raw: 204 with no allow headers, Vary: Origin.
    for (const path of ["/graphql", "/rest/api/items/echo"]) {
      const answer = await fetch(`${served.url}${path}`, {
        method: "OPTIONS",
        headers: { origin: other.origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
      });
      expect(answer.status).toBe(204);
      expect(corsHeadersOf(Object.fromEntries(answer.headers))).toEqual([]);
      expect(varyOf(Object.fromEntries(answer.headers))).toContain("origin");
    }
    expect(upstream.requests).toHaveLength(0);

    // A simple GET needs no preflight: it is answered, without CORS headers, so the page cannot read it.
    const query = `${served.url}/graphql?query=${encodeURIComponent('{ item(id: "1") { id } }')}`;
    const failed: string[] = [];
    page.on("requestfailed", (request) => failed.push(request.url()));
    const simple = await page.evaluate(
      async (url) =>
        fetch(url).then(
          () => "read",
          (error: Error) => `blocked: ${error.message}`,
        ),
      query,
    );
    expect(simple).toBe("blocked: Failed to fetch");
    expect(failed).toEqual([query]);
    expect(seen.filter((answer) => answer.url.startsWith(served.url))).toEqual([]);
    // The same GET, raw, with that Origin: no allow headers, Vary: Origin.
    const raw = Object.fromEntries(await fetch(query, { headers: { origin: other.origin } }).then((answer) => answer.headers));
    expect(corsHeadersOf(raw)).toEqual([]);
    expect(varyOf(raw)).toContain("origin");
    await page.close();

    // The listed origin is served all the same.
    const { page: friend } = await open(allowed.origin);
    const read = await friend.evaluate(
      async (url) => (await fetch(url, { credentials: "include" })).json(),
      `${served.url}/rest/api/items/1`,
    );
    expect(read).toEqual({ id: "1", name: "first" });
    await friend.close();
  }, 45_000);
});

/** `trestle serve --schema DIR --port 0` (the built CLI, as users run it) with NODE_ENV set; resolves with its base URL. */
async function startServe(nodeEnv: string, schemaDir: string): Promise<{ url: string; stop(): Promise<void> }> {
  const child: ChildProcess = spawn(process.execPath, ["bin/trestle.js", "serve", "--schema", schemaDir, "--port", "0"], {
    cwd: root,
    env: { ...process.env, NODE_ENV: nodeEnv },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match = / at (http:\/\/127\.0\.0\.1:\d+)\/graphql/.exec(output);
      if (match?.[1]) resolve(match[1]);
    });
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("exit", (code) => reject(new Error(`trestle serve exited with ${code}: ${output}`)));
  });
  return {
    url,
    stop: async () => {
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      await exited;
    },
  };
}

describe("`trestle serve` without --cors", () => {
  let schemaDir: string;
  beforeAll(async () => {
    schemaDir = await mkdtemp(join(tmpdir(), "trestle-cors-"));
    await writeFile(join(schemaDir, "schema.graphql"), schema(upstream.url));
  });
  afterAll(async () => await rm(schemaDir, { recursive: true, force: true }));

  it("outside production, a page on a loopback origin runs queries and mutations without credentials; with credentials the browser blocks the read", async () => {
    const serve = await startServe("development", schemaDir);
    try {
      const { page } = await open(allowed.origin);
      const outcome = await page.evaluate(async (trestleUrl) => {
        const { ApolloClient, HttpLink, InMemoryCache, gql } = (window as unknown as { apollo: Apollo }).apollo;
        const client = new ApolloClient({ link: new HttpLink({ uri: `${trestleUrl}/graphql` }), cache: new InMemoryCache() });
        const query = await client.query({
          query: gql`
            query One {
              item(id: "1") {
                id
                name
              }
            }
          `,
        });
        const mutation = await client.mutate({
          mutation: gql`
            mutation Add {
              addItem(name: "third") {
                id
                name
              }
            }
          `,
        });
        const withCookies = await fetch(`${trestleUrl}/rest/api/items/1`, { credentials: "include" }).then(
          () => "read",
          (error: Error) => `blocked: ${error.message}`,
        );
        return { query: query.data, mutation: mutation.data, withCookies };
      }, serve.url);
      expect(outcome).toEqual({
        query: { item: { __typename: "Item", id: "1", name: "first" } },
        mutation: { addItem: { __typename: "Item", id: "2", name: "third" } },
        withCookies: "blocked: Failed to fetch",
      });
      // Apollo's calls went without the cookie. The credentialed GET went with it (a simple request:
      // CORS keeps the answer from the page, it does not stop the request), its answer unread.
      expect(upstream.requests.map((r) => `${r.method} ${r.url} ${r.headers.cookie ?? "-"}`)).toEqual([
        "GET /items/1 -",
        "POST /items -",
        "GET /items/1 session=s1",
      ]);
      await page.close();

      // yoga's old default reflected any Origin, with credentials, on GET: an origin not listed gets nothing.
      for (const origin of ["https://evil.example", "http://localhost.evil.example:5173"]) {
        const answer = await fetch(`${serve.url}/graphql?query=${encodeURIComponent("{ __typename }")}`, {
          headers: { origin, accept: "application/json" },
        });
        expect(answer.status).toBe(200);
        expect(answer.headers.get("access-control-allow-origin"), origin).toBeNull();
        expect(answer.headers.get("access-control-allow-credentials"), origin).toBeNull();
      }
    } finally {
      await serve.stop();
    }
  }, 45_000);

  it("under NODE_ENV=production, no origin is allowed at all: no CORS headers for loopback origins either", async () => {
    const serve = await startServe("production", schemaDir);
    try {
      for (const origin of [allowed.origin, "http://localhost:5173", "https://evil.example"]) {
        const post = await fetch(`${serve.url}/graphql`, {
          method: "POST",
          headers: { origin, "content-type": "application/json" },
          body: JSON.stringify({ query: '{ item(id: "1") { id } }' }),
        });
        expect(await post.json()).toEqual({ data: { item: { id: "1" } } });
        const get = await fetch(`${serve.url}/graphql?query=${encodeURIComponent("{ __typename }")}`, {
          headers: { origin, accept: "application/json" },
        });
        const preflight = await fetch(`${serve.url}/rest/api/items/echo`, {
          method: "OPTIONS",
          headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
        });
        for (const answer of [post, get, preflight]) expect(corsHeadersOf(Object.fromEntries(answer.headers)), origin).toEqual([]);
      }
      expect(upstream.requests.filter((r) => r.method === "OPTIONS")).toEqual([]);
    } finally {
      await serve.stop();
    }
  }, 45_000);
});
