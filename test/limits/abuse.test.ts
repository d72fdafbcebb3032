import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { query } from "../helpers/graphql.js";
import { sendJson, startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";

// Abusive clients, with the default limits. Case ids are those of section B1 of
// ../shared/research/reliability-and-security.md. Every case: a clear error, no upstream call.
let upstream: TestUpstream;
let trestle: Trestle;

beforeAll(async () => {
  upstream = await startTestUpstream((req, res) => {
    const item = { id: "1", name: "n", child_id: "1", url: req.url };
    sendJson(res, 200, req.url.includes("?") ? [item] : item);
  });
  trestle = await createTestTrestle(/* GraphQL */ `
    extend schema @upstream(name: "api", baseUrl: "${upstream.url}")
    type Query {
      user(id: ID!): User @rest(path: "/users/{args.id}")
      users(first: Int): [User!]! @rest(path: "/users?first={args.first}")
      search(q: String, tag: [String]): [User!]! @rest(path: "/search?q={args.q}&tag={args.tag}")
    }
    type Mutation { rename(id: ID!, name: String!): User @rest(method: POST, path: "/users/{args.id}", body: "{\\"name\\": {args.name}}") }
    type User { id: ID!, name: String, url: String, child: User @rest(path: "/users/{parent.child_id}"), friends(first: Int): [User!]! @rest(path: "/users?of={parent.id}&first={args.first}") }
  `);
});
afterAll(async () => {
  await trestle.close();
  await upstream.close();
});
beforeEach(() => {
  upstream.requests.length = 0;
});

const jsonPost = { "content-type": "application/json", accept: "application/graphql-response+json" };
const raw = (body: BodyInit, headers: Record<string, string> = jsonPost, method = "POST", path = "/graphql") =>
  trestle.fetch(new Request(`http://t.test${path}`, { method, headers, body: method === "GET" ? null : body }));

async function expectError(response: Response, status: number, code: string | RegExp, message?: RegExp) {
  expect(response.status).toBe(status);
  const body = (await response.json()) as { data?: unknown; errors: Array<{ message: string; extensions?: { code?: string } }> };
  expect(body.data ?? null).toBeNull();
  const error = body.errors[0]!;
  if (typeof code === "string") expect(error.extensions?.code).toBe(code);
  if (message) expect(error.message).toMatch(message);
  expect(upstream.requests).toHaveLength(0);
}

describe("abusive GraphQL requests", () => {
  it("A01: a deep query", async () => {
    const deep = `{ user(id: "1") ${"{ child ".repeat(10)}{ id }${" }".repeat(10)} }`;
    await expectError(await raw(JSON.stringify({ query: deep })), 400, "MAX_DEPTH_LIMIT", /^Query depth limit of 8 exceeded, found 12\.$/);
  });

  it("A01: a limit is a 400 for application/json clients too", async () => {
    const deep = `{ user(id: "1") ${"{ child ".repeat(10)}{ id }${" }".repeat(10)} }`;
    await expectError(await raw(JSON.stringify({ query: deep }), { "content-type": "application/json", accept: "application/json" }), 400, "MAX_DEPTH_LIMIT");
  });

  it("A02: depth through a fragment named __schema", async () => {
    const document = `{ user(id: "1") { ...__schema } } fragment __schema on User { child { child { child { child { child { child { child { id } } } } } } } }`;
    await expectError(await raw(JSON.stringify({ query: document })), 400, "MAX_DEPTH_LIMIT");
  });

  it("A03: 1,000 aliases", async () => {
    const aliases = Array.from({ length: 1000 }, (_, i) => `a${i}: user(id: "${i}") { id }`).join(" ");
    const response = await raw(JSON.stringify({ query: `{ ${aliases} }` }));
    // 1,000 aliases are also 7,000+ tokens: the parser stops first, before any validation.
    await expectError(response, 400, "MAX_TOKENS_LIMIT", /^Token limit of 2000 exceeded/);
  });

  it("A03: 16 aliases within the token limit", async () => {
    const aliases = Array.from({ length: 16 }, (_, i) => `a${i}: user(id: "${i}") { id }`).join(" ");
    await expectError(await raw(JSON.stringify({ query: `{ ${aliases} }` })), 400, "MAX_ALIASES_LIMIT", /^Aliases limit of 15 exceeded, found 16\.$/);
  });

  it("A05: 21 directives", async () => {
    await expectError(await raw(JSON.stringify({ query: `{ user(id: "1") { id ${"@include(if: true) ".repeat(21)}} }` })), 400, "MAX_DIRECTIVES_LIMIT");
  });

  it("A07: nested lists with huge pages", async () => {
    const document = `{ users(first: 100000) { friends(first: 100000) { friends(first: 100000) { id } } } }`;
    await expectError(await raw(JSON.stringify({ query: document })), 400, "COST_LIMIT", /^Operation could make \d+ upstream calls; the limit is 1000\.$/);
  });

  it("A08: a field repeated 500 times is one upstream call", async () => {
    const result = await query(trestle, `{ user(id: "1") { ${"name ".repeat(500)} } }`);
    expect(result.errors).toBeUndefined();
    expect(upstream.requests).toHaveLength(1);
  });

  it("A09: a batched array of 1,000 operations", async () => {
    const batch = Array.from({ length: 1000 }, () => ({ query: `{ user(id: "1") { id } }` }));
    await expectError(await raw(JSON.stringify(batch)), 400, /.*/, /Batching is not supported/);
  });

  it("A10: a 10 MB body gets 413 before it is parsed", async () => {
    const response = await raw(JSON.stringify({ query: `{ user(id: "1") { id } }`, variables: { pad: "x".repeat(10_000_000) } }));
    expect(response.status).toBe(413);
    expect(upstream.requests).toHaveLength(0);
  });

  it("A12: variables nested 100,000 deep", async () => {
    const variables = `{"tag": ${"[".repeat(100_000)}${"]".repeat(100_000)}}`;
    const response = await raw(`{"query": "query($tag: [String]) { search(tag: $tag) { id } }", "variables": ${variables}}`);
    expect(response.status).toBe(400);
    expect(upstream.requests).toHaveLength(0);
  });

  it("A13: a 5 MB string argument is refused by the body limit", async () => {
    const response = await raw(JSON.stringify({ query: `query($id: ID!) { user(id: $id) { id } }`, variables: { id: "x".repeat(5_000_000) } }));
    expect(response.status).toBe(413);
  });

  it("A13: a 100 KB path argument is refused before any call", async () => {
    const result = await query(trestle, `query($id: ID!) { user(id: $id) { id } }`, { id: "x".repeat(100_000) });
    expect(result.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
    expect(upstream.requests).toHaveLength(0);
  });

  it("A14: invalid JSON", async () => {
    await expectError(await raw(`{"query": `), 400, /.*/, /invalid JSON/i);
  });

  it("wrong content types", async () => {
    const xml = await raw("<query/>", { "content-type": "application/xml" });
    expect([400, 415]).toContain(xml.status);
    expect(upstream.requests).toHaveLength(0);
  });

  it("A15: a typo gets no suggestion", async () => {
    const result = await query(trestle, `{ usr(id: "1") { id } }`);
    expect(result.errors?.[0]?.message).toBe('Cannot query field "usr" on type "Query". [Suggestion hidden]');
  });

  it("fragment cycles are refused", async () => {
    await expectError(
      await raw(JSON.stringify({ query: `{ user(id: "1") { ...A } } fragment A on User { child { ...B } } fragment B on User { child { ...A } }` })),
      400,
      /.*/,
      /Cannot spread fragment "A" within itself/,
    );
  });

  it("A17: a mutation over GET is refused", async () => {
    const response = await raw("", {}, "GET", `/graphql?query=${encodeURIComponent('mutation { rename(id: "1", name: "x") { id } }')}`);
    expect(response.status).toBe(405);
    expect(upstream.requests).toHaveLength(0);
  });
});

describe("URL-template injection in every argument position", () => {
  it.each([
    ["path", `{ user(id: "a/admin?x=1#y") { url } }`, "/users/a%2Fadmin%3Fx%3D1%23y"],
    ["query value", `{ search(q: "a&admin=1#x") { url } }`, "/search?q=a%26admin%3D1%23x"],
    ["list query value", `{ search(tag: ["a&b=c", "/../d"]) { url } }`, "/search?tag=a%26b%3Dc&tag=%2F..%2Fd"],
    ["body value", `mutation { rename(id: "1", name: "\\", \\"admin\\": true, \\"x\\": \\"") { url } }`, "/users/1"],
    ["nested list argument", `{ user(id: "1") { friends(first: 2) { url } } }`, "/users?of=1&first=2"],
  ])("%s", async (_position, document, expectedTarget) => {
    const result = await query(trestle, document);
    expect(result.errors).toBeUndefined();
    expect(upstream.requests.map((r) => r.url)).toContain(expectedTarget);
    const bodies = upstream.requests.map((r) => r.body).filter(Boolean);
    for (const body of bodies) expect(Object.keys(JSON.parse(body) as object)).toEqual(["name"]);
  });
});

describe("limit errors keep HTTP 400 for application/json clients", () => {
  it("A06: MAX_TOKENS_LIMIT", async () => {
    const response = await raw(JSON.stringify({ query: `{ ${"user(id: 1) { id } ".repeat(400)} }` }), { "content-type": "application/json", accept: "application/json" });
    await expectError(response, 400, "MAX_TOKENS_LIMIT");
  });
});
