import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { query } from "../helpers/graphql.js";
import { sendJson, startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";

// Case ids (A01…) are those of docs/threat-model.md where one applies.
let upstream: TestUpstream;
let trestle: Trestle;

const sdl = (url: string) => /* GraphQL */ `
  extend schema @upstream(name: "api", baseUrl: "${url}")
  type Query {
    node(id: ID!): Node @rest(path: "/nodes/{args.id}")
    nodes(first: Int = 10): [Node!]! @rest(path: "/nodes?first={args.first}")
    hello: String
  }
  type Node {
    id: ID!
    name: String
    child: Node @rest(path: "/nodes/{parent.child_id}")
    friends: [Node!]! @rest(path: "/nodes?of={parent.id}")
    owner: Node @rest(path: "/nodes/{parent.owner_id}", batch: { path: "/nodes?ids={keys}", key: "id" })
  }
`;

beforeAll(async () => {
  upstream = await startTestUpstream((req, res) => {
    if (req.url.startsWith("/nodes?")) return sendJson(res, 200, [{ id: "1", child_id: "2", owner_id: "3", name: "n" }]);
    sendJson(res, 200, { id: "1", child_id: "2", owner_id: "3", name: "n" });
  });
  trestle = await createTestTrestle(sdl(upstream.url), {
    limits: { maxDepth: 4, maxAliases: 3, maxRootFields: 4, maxTokens: 300, maxDirectives: 3, maxCost: 100 },
  });
});
afterAll(async () => {
  await trestle.close();
  await upstream.close();
});
beforeEach(() => {
  upstream.requests.length = 0;
});

async function expectRejected(document: string, code: string, message: RegExp) {
  const result = await query(trestle, document);
  expect(result.status).toBe(400);
  expect(result.data).toBeUndefined();
  expect(result.errors?.map((e) => e.extensions?.["code"])).toContain(code);
  expect(result.errors?.find((e) => e.extensions?.["code"] === code)?.message).toMatch(message);
  expect(upstream.requests).toHaveLength(0);
}

describe("request-shape limits: 400 and a stable code, before any upstream call", () => {
  it("A01, A02: MAX_DEPTH_LIMIT, through fragments too", async () => {
    await expectRejected(
      `{ node(id: "1") { child { child { child { child { id } } } } } }`,
      "MAX_DEPTH_LIMIT",
      /^Query depth limit of 4 exceeded, found 6\.$/,
    );
    await expectRejected(
      `{ node(id: "1") { ...A } } fragment A on Node { child { ...B } } fragment B on Node { child { child { child { id } } } }`,
      "MAX_DEPTH_LIMIT",
      /depth limit of 4/,
    );
  });

  it("A03: MAX_ALIASES_LIMIT", async () => {
    await expectRejected(`{ a: hello b: hello c: hello d: hello }`, "MAX_ALIASES_LIMIT", /^Aliases limit of 3 exceeded, found 4\.$/);
  });

  it("MAX_ROOT_FIELDS_LIMIT counts fragments' root fields", async () => {
    await expectRejected(
      `{ hello ...F } fragment F on Query { hello nodes { id } node(id: "1") { id } a: hello }`,
      "MAX_ROOT_FIELDS_LIMIT",
      /^Operation has 5 root fields; the limit is 4\.$/,
    );
  });

  it("A06: MAX_TOKENS_LIMIT", async () => {
    await expectRejected(`{ ${"hello ".repeat(400)} }`, "MAX_TOKENS_LIMIT", /^Token limit of 300 exceeded/);
  });

  it("A05: MAX_DIRECTIVES_LIMIT", async () => {
    await expectRejected(
      `{ hello @skip(if: false) @skip(if: false) @skip(if: false) @skip(if: false) }`,
      "MAX_DIRECTIVES_LIMIT",
      /^Directives limit of 3 exceeded, found 4\.$/,
    );
  });

  it("A07: COST_LIMIT: list fields multiply the upstream calls a query could make", async () => {
    // nodes(first: 50) → 50 parents; child (unbatched) 50 calls; friends 50 × its own list of 20 assumed.
    await expectRejected(
      `{ nodes(first: 50) { child { id } friends { id } } }`,
      "COST_LIMIT",
      /^Operation could make 101 upstream calls; the limit is 100\.$/,
    );
  });

  it("COST_LIMIT counts a batched field once per maxSize parents", async () => {
    const result = await query(trestle, `{ nodes(first: 50) { owner { id } } }`);
    expect(result.status).toBe(200);
    expect(result.errors).toBeUndefined();
  });

  it("accepts what is within every limit", async () => {
    const result = await query(trestle, `{ node(id: "1") { child { child { id } } } hello }`);
    expect(result.errors).toBeUndefined();
    // node → child (/nodes/2) → child (/nodes/2 again: de-duplicated)
    expect(upstream.requests.length).toBe(2);
  });
});

describe("limits at run time and as options", () => {
  it("A04: stops an operation at maxUpstreamCalls with COST_LIMIT", async () => {
    const small = await createTestTrestle(sdl(upstream.url), { limits: { maxUpstreamCalls: 2 } });
    const result = await query(small, `{ a: node(id: "1") { id } b: node(id: "2") { id } c: node(id: "3") { id } }`);
    await small.close();
    expect(result.errors?.map((e) => e.extensions?.["code"])).toEqual(["COST_LIMIT"]);
    expect(upstream.requests).toHaveLength(2);
  });

  it.each([
    [{ maxDepth: 0 }, "limits.maxDepth must be a positive integer, received 0"],
    [{ maxDepth: 2.5 }, "limits.maxDepth must be a positive integer, received 2.5"],
    [{ maxConcurrentCallsPerUpstream: 0 }, "limits.maxConcurrentCallsPerUpstream must be a positive integer, received 0"],
    [{ maxConcurrentCallsPerUpstream: "16" }, 'limits.maxConcurrentCallsPerUpstream must be a positive integer, received "16"'],
    [
      { maxDeph: 3 },
      "limits.maxDeph is not a limit (known: maxDepth, maxAliases, maxRootFields, maxTokens, maxDirectives, maxCost, assumedListSize, maxUpstreamCalls, maxConcurrentCallsPerUpstream, maxRequestBytes, maxSubscriptions, maxPollLoops, maxWebSocketConnections)",
    ],
  ])("refuses limits %j", async (limits, message) => {
    await expect(createTestTrestle(sdl(upstream.url), { limits: limits as never })).rejects.toThrow(message);
  });
});

describe("introspection and suggestions", () => {
  it("A15: hides field suggestions outside development", async () => {
    const result = await query(trestle, `{ helo }`);
    expect(result.errors?.[0]?.message).not.toContain("Did you mean");
  });

  it("shows field suggestions in development", async () => {
    const dev = await createTestTrestle(sdl(upstream.url), { env: { NODE_ENV: "development" } });
    const result = await query(dev, `{ helo }`);
    await dev.close();
    expect(result.errors?.[0]?.message).toContain('Did you mean "hello"');
  });

  it("A16: answers introspection unless NODE_ENV=production or introspection: false", async () => {
    const introspect = `{ __schema { queryType { name } } }`;
    expect((await query(trestle, introspect)).data).toEqual({ __schema: { queryType: { name: "Query" } } });
    const production = await createTestTrestle(sdl(upstream.url), { env: { NODE_ENV: "production" } });
    const off = await createTestTrestle(sdl(upstream.url), { introspection: false });
    const refused = [await query(production, introspect), await query(off, introspect)];
    await Promise.all([production.close(), off.close()]);
    for (const result of refused) {
      expect(result.errors?.[0]?.message).toMatch(/introspection/i);
      expect(result.data).toBeUndefined();
    }
  });
});

describe("CSRF prevention", () => {
  const post = (target: Trestle, type: string, body: string, headers: Record<string, string> = {}) =>
    target.fetch(new Request("http://t.test/graphql", { method: "POST", headers: { "content-type": type, ...headers }, body }));

  it.each(["application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain;charset=utf-8"])(
    "A18: refuses a POST with the preflight-free type %s, before any upstream call",
    async (type) => {
      const response = await post(trestle, type, "query=%7B+node(id%3A%221%22)+%7B+id+%7D+%7D");
      expect(response.status).toBe(403);
      expect(((await response.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]?.extensions.code).toBe(
        "CSRF_PREVENTED",
      );
      expect(upstream.requests).toHaveLength(0);
    },
  );

  it("lets JSON POSTs, and form POSTs with the header, through; and can be turned off", async () => {
    expect((await post(trestle, "application/json", JSON.stringify({ query: "{ hello }" }))).status).toBe(200);
    expect((await post(trestle, "application/x-www-form-urlencoded", "query=%7B+hello+%7D", { "x-trestle-csrf": "1" })).status).toBe(200);
    const open = await createTestTrestle(sdl(upstream.url), { csrfPrevention: false });
    const response = await post(open, "application/x-www-form-urlencoded", "query=%7B+hello+%7D");
    await open.close();
    expect(response.status).toBe(200);
  });
});
