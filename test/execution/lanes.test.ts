import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { sendJson, startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";

// JSON POSTs take the fast lane; GET (and every other shape of request) goes through yoga.
// Whatever the lane, a client must get the same answer: status, body, Cache-Control.
let upstream: TestUpstream;
let trestle: Trestle;
let debugTrestle: Trestle;

beforeAll(async () => {
  upstream = await startTestUpstream((req, res) => {
    if (req.url === "/fail") return sendJson(res, 500, { detail: "db-secret-host" });
    sendJson(res, 200, { id: req.url, name: "n", child_id: "1" }, { "cache-control": "public, max-age=30" });
  });
  const sdl = /* GraphQL */ `
    extend schema @upstream(name: "api", baseUrl: "${upstream.url}")
    type Query { item(id: ID!): Item @rest(path: "/items/{args.id}") fail: Item @rest(path: "/fail") }
    type Item { id: ID!, name: String, child: Item @rest(path: "/items/{parent.child_id}") }
  `;
  trestle = await createTestTrestle(sdl, { limits: { maxDepth: 3 } });
  debugTrestle = await createTestTrestle(sdl, { debug: true });
});
afterAll(async () => {
  await Promise.all([trestle.close(), debugTrestle.close()]);
  await upstream.close();
});

async function both(target: Trestle, query: string, variables: Record<string, unknown> | undefined, accept: string) {
  const post = await target.fetch(
    new Request("http://t.test/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", accept },
      body: JSON.stringify({ query, variables }),
    }),
  );
  const search = new URLSearchParams({ query, ...(variables ? { variables: JSON.stringify(variables) } : {}) });
  const get = await target.fetch(new Request(`http://t.test/graphql?${search}`, { headers: { accept } }));
  const read = async (response: Response) => ({
    status: response.status,
    type: response.headers.get("content-type"),
    // The remaining max-age counts down by the second: the two requests may straddle one.
    cacheControl: response.headers.get("cache-control")?.replace(/max-age=\d+/, "max-age=N"),
    body: (await response.json()) as Record<string, unknown>,
  });
  return { post: await read(post), get: await read(get) };
}

const scrubTimings = (body: Record<string, unknown>) =>
  JSON.parse(
    JSON.stringify(body)
      .replace(/"ms":[\d.]+/g, '"ms":0')
      .replace(/"age":\d+/g, '"age":0'),
  );

describe("the fast lane and yoga's lane answer alike", () => {
  it.each([
    ["data", `{ item(id: "1") { id name } }`, undefined],
    ["variables", `query($id: ID!) { item(id: $id) { id } }`, { id: "2" }],
    ["a variable that cannot be coerced", `query($id: ID!) { item(id: $id) { id } }`, { id: { no: 1 } }],
    ["partial data and an upstream error", `{ item(id: "1") { id } fail { id } }`, undefined],
    ["a validation error, suggestions hidden", `{ iten(id: "1") { id } }`, undefined],
    ["a syntax error", `{ item(id: "1") { id }`, undefined],
    ["a depth limit", `{ item(id: "1") { child { child { child { id } } } } }`, undefined],
    ["a bad path value", `{ item(id: "..") { id } }`, undefined],
  ])("%s", async (_name, query, variables) => {
    for (const accept of ["application/json", "application/graphql-response+json"]) {
      const { post, get } = await both(trestle, query, variables, accept);
      expect(post).toEqual(get);
    }
  });

  it("debug extensions and Cache-Control", async () => {
    const { post, get } = await both(debugTrestle, `{ item(id: "9") { id } }`, undefined, "application/json");
    expect(scrubTimings(post.body)["extensions"]).toBeDefined();
    expect(post.cacheControl).toBe(get.cacheControl);
    expect(post.cacheControl).toBe("public, max-age=N");
  });

  it("hands yoga what it does not serve: GraphiQL, unknown media types, malformed bodies", async () => {
    const html = await trestle.fetch(new Request("http://t.test/graphql", { headers: { accept: "text/html" } }));
    expect(await html.text()).toContain("GraphiQL");
    const invalid = await trestle.fetch(
      new Request("http://t.test/graphql", { method: "POST", headers: { "content-type": "application/json" }, body: "{nope" }),
    );
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as { errors: Array<{ message: string }> }).errors[0]?.message).toBe("POST body sent invalid JSON.");
    const array = await trestle.fetch(
      new Request("http://t.test/graphql", { method: "POST", headers: { "content-type": "application/json" }, body: "[]" }),
    );
    expect(array.status).toBe(400);
  });
});
