import { afterEach, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { graphqlRoutes } from "../helpers/graphql-routes.js";
import { serveTrestle, type TrestleServer } from "../passthrough/raw-http.js";
import { type CacheWorld, sendItem, useCacheTrestle } from "./cache-fixture.js";

// The result step sets Cache-Control for both GraphQL routes (the fast route's POST JSON and
// yoga's GET), through both `fetch` and `handle`: every check runs the four ways.
let world: CacheWorld;
let trestle: Trestle;
let server: TrestleServer | undefined;
useCacheTrestle((w, t) => ((world = w), (trestle = t)), { debug: false });
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe.each(graphqlRoutes)("the GraphQL response's Cache-Control, %s", (route) => {
  const [via, method] = route.split(" ") as ["fetch" | "handle", "POST" | "GET"];

  /** The Cache-Control header of the GraphQL response (null when absent). */
  async function cacheControlOf(document: string, headers: Record<string, string> = {}): Promise<string | null> {
    return (await headersOf(document, headers)).get("cache-control");
  }

  async function headersOf(document: string, headers: Record<string, string> = {}): Promise<Headers> {
    let origin = "http://trestle.test";
    if (via === "handle") origin = (server ??= await serveTrestle(trestle)).url;
    const request =
      method === "GET" && !document.startsWith("mutation")
        ? new Request(`${origin}/graphql?${new URLSearchParams({ query: document })}`, { headers })
        : new Request(`${origin}/graphql`, {
            method: "POST",
            headers: { "content-type": "application/json", ...headers },
            body: JSON.stringify({ query: document }),
          });
    const response = via === "fetch" ? await trestle.fetch(request) : await fetch(request);
    await response.text();
    return response.headers;
  }

  it("S04: is public with the least remaining max-age of the operation's reads", async () => {
    expect(await cacheControlOf(`{ cachedItem(id: "a") { id } }`)).toBe("public, max-age=30");
    world.clock.advance(12);
    expect(await cacheControlOf(`{ cachedItem(id: "a") { id } }`)).toBe("public, max-age=18");
    expect(await cacheControlOf(`{ cachedItem(id: "a") { id } shortItem(id: "b") { id } }`)).toBe("public, max-age=10");
  });

  it("S04: is absent when any read was per identity", async () => {
    expect(await cacheControlOf(`{ item(id: "a") { id } }`, { authorization: "Bearer A" })).toBeNull();
    expect(await cacheControlOf(`{ privateItem(id: "a") { id } }`)).toBeNull();
  });

  it("is absent when any read was uncacheable", async () => {
    world.reply = (req, res, serial) =>
      sendItem(req, res, serial, { "cache-control": req.url.endsWith("/b") ? "no-store" : "max-age=30" }, world.clock);
    expect(await cacheControlOf(`{ a: item(id: "a") { id } b: item(id: "b") { id } }`)).toBeNull();
    expect(await cacheControlOf(`{ a: item(id: "a") { id } }`)).toBe("public, max-age=30");
  });

  it("is absent for mutations, errors, and operations that read nothing upstream", async () => {
    expect(await cacheControlOf(`mutation { updateItem(id: "a", name: "x") { id } }`)).toBeNull();
    expect(await cacheControlOf(`{ __typename }`)).toBeNull();
    world.reply = (_req, res) => {
      res.writeHead(500, { "content-type": "application/json" });
      res.end("{}");
    };
    expect(await cacheControlOf(`{ item(id: "zz") { id } }`)).toBeNull();
  });

  it("is absent when a stale answer was served", async () => {
    world.reply = (req, res, serial) =>
      sendItem(req, res, serial, { "cache-control": "max-age=1, stale-while-revalidate=60" }, world.clock);
    await cacheControlOf(`{ item(id: "a") { id } }`);
    world.clock.advance(3);
    expect(await cacheControlOf(`{ item(id: "a") { id } }`)).toBeNull();
  });

  it("S04: names the client headers the reads depend on in Vary", async () => {
    // `item` forwards the client's Authorization: a shared cache must key on it.
    const headers = await headersOf(`{ item(id: "a") { id } }`);
    expect(headers.get("cache-control")).toBe("public, max-age=30");
    expect(headers.get("vary")?.toLowerCase().split(/,\s*/)).toContain("authorization");
  });
});
