import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { query } from "../helpers/graphql.js";
import { sendJson, startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";
import { sendRaw, serveTrestle } from "../passthrough/raw-http.js";

// The one abuse suite: abusive GraphQL clients against the default limits (case ids A01–A20 of
// docs/threat-model.md). Every case asserts the status, the code and how many calls reached the
// upstream (none, for a refused request); the last test shows a normal client served after all
// of them. Socket-level attacks on `trestle serve` (A10, A21–A24) are in test/cli/serve-server.test.ts.
let upstream: TestUpstream;
let trestle: Trestle;
/** Caps one operation at 100 upstream calls (limits.maxUpstreamCalls). */
let capped: Trestle;

const sdl = (url: string) => /* GraphQL */ `
  extend schema @upstream(name: "api", baseUrl: "${url}")
  type Query {
    hello(pad: [Int]): String
    user(id: ID!): User @rest(path: "/users/{args.id}")
    users(first: Int): [User!]! @rest(path: "/users?first={args.first}")
    search(q: String, tag: [String]): [User!]! @rest(path: "/search?q={args.q}&tag={args.tag}")
  }
  type Mutation { rename(id: ID!, name: String!): User @rest(method: POST, path: "/users/{args.id}", body: "{\\"name\\": {args.name}}") }
  type User {
    id: ID!
    name: String
    url: String
    child: User @rest(path: "/users/{parent.child_id}")
    friends(first: Int): [User!]! @rest(path: "/users/{parent.id}/friends?first={args.first}")
    best: User @rest(path: "/users/{parent.best_id}")
  }
`;

beforeAll(async () => {
  upstream = await startTestUpstream((req, res) => {
    const url = new URL(req.url, "http://upstream");
    const user = (id: string) => ({ id, name: "n", best_id: `${id}-b`, child_id: "1", url: req.url });
    const friends = /^\/users\/([^/]+)\/friends$/.exec(url.pathname);
    if (friends)
      return sendJson(
        res,
        200,
        Array.from({ length: 40 }, (_, i) => user(`${friends[1]}-f${i}`)),
      );
    if (url.pathname === "/users")
      return sendJson(
        res,
        200,
        Array.from({ length: Math.min(Number(url.searchParams.get("first") ?? 10), 60) }, (_, i) => user(`u${i}`)),
      );
    if (url.pathname === "/search") return sendJson(res, 200, [user("s")]);
    sendJson(res, 200, user(decodeURIComponent(url.pathname.split("/")[2] ?? "")));
  });
  trestle = await createTestTrestle(sdl(upstream.url));
  capped = await createTestTrestle(sdl(upstream.url), { limits: { maxUpstreamCalls: 100 } });
});
afterAll(async () => {
  await Promise.all([trestle.close(), capped.close()]);
  await upstream.close();
});
beforeEach(() => {
  upstream.requests.length = 0;
});

const jsonPost = { "content-type": "application/json", accept: "application/graphql-response+json" };
const raw = (body: BodyInit, headers: Record<string, string> = jsonPost, method = "POST", path = "/graphql", target: Trestle = trestle) =>
  target.fetch(new Request(`http://t.test${path}`, { method, headers, body: method === "GET" ? null : body }));
const codes = (result: { errors?: Array<{ extensions?: Record<string, unknown> }> }) =>
  new Set(result.errors?.map((e) => e.extensions?.["code"]));

/** The answer is `status` with no data and a first error of `code` (and `message`); nothing reached the upstream. */
async function expectRefused(response: Response, status: number, code: string | RegExp, message?: RegExp) {
  expect(response.status).toBe(status);
  const body = (await response.json()) as { data?: unknown; errors: Array<{ message: string; extensions?: { code?: string } }> };
  expect(body.data ?? null).toBeNull();
  const error = body.errors[0]!;
  if (typeof code === "string") expect(error.extensions?.code).toBe(code);
  if (message) expect(error.message).toMatch(message);
  expect(upstream.requests).toHaveLength(0);
}

describe("abusive operations: static limits", () => {
  const deep = `{ user(id: "1") ${"{ child ".repeat(10)}{ id }${" }".repeat(10)} }`;

  it.each(["application/graphql-response+json", "application/json"])(
    "A01: a deep query → 400 MAX_DEPTH_LIMIT (Accept: %s)",
    async (accept) => {
      await expectRefused(
        await raw(JSON.stringify({ query: deep }), { "content-type": "application/json", accept }),
        400,
        "MAX_DEPTH_LIMIT",
        /^Query depth limit of 8 exceeded, found 12\.$/,
      );
    },
  );

  it("A02: depth through a fragment named __schema", async () => {
    const document = `{ user(id: "1") { ...__schema } } fragment __schema on User { child { child { child { child { child { child { child { id } } } } } } } }`;
    await expectRefused(await raw(JSON.stringify({ query: document })), 400, "MAX_DEPTH_LIMIT");
  });

  it("A03: 1,000 aliases are stopped by the parser's token limit before any validation", async () => {
    const aliases = Array.from({ length: 1000 }, (_, i) => `a${i}: user(id: "${i}") { id }`).join(" ");
    await expectRefused(await raw(JSON.stringify({ query: `{ ${aliases} }` })), 400, "MAX_TOKENS_LIMIT", /^Token limit of 2000 exceeded/);
  });

  it("A03: 16 aliases within the token limit", async () => {
    const aliases = Array.from({ length: 16 }, (_, i) => `a${i}: user(id: "${i}") { id }`).join(" ");
    await expectRefused(
      await raw(JSON.stringify({ query: `{ ${aliases} }` })),
      400,
      "MAX_ALIASES_LIMIT",
      /^Aliases limit of 15 exceeded, found 16\.$/,
    );
  });

  it("A05: 21 directives", async () => {
    await expectRefused(
      await raw(JSON.stringify({ query: `{ user(id: "1") { id ${"@include(if: true) ".repeat(21)}} }` })),
      400,
      "MAX_DIRECTIVES_LIMIT",
    );
  });

  it.each(["application/graphql-response+json", "application/json"])(
    "A06: 2,001 tokens ({ hello hello … }) → 400 MAX_TOKENS_LIMIT (Accept: %s)",
    async (accept) => {
      await expectRefused(
        await raw(JSON.stringify({ query: `{ ${"hello ".repeat(2001)}}` }), { "content-type": "application/json", accept }),
        400,
        "MAX_TOKENS_LIMIT",
        /^Token limit of 2000 exceeded\.$/,
      );
    },
  );

  it("A06: 2,000 tokens are accepted, 2,001 are not", async () => {
    // { hello ( pad : [ 1 × n ] ) } is 9 + n tokens.
    const document = (n: number) => `{ hello(pad: [${"1 ".repeat(n)}]) }`;
    expect(await query(trestle, document(1991))).toEqual({ status: 200, data: { hello: null } });
    expect(codes(await query(trestle, document(1992)))).toEqual(new Set(["MAX_TOKENS_LIMIT"]));
  });

  it("A07: nested lists with huge pages", async () => {
    const document = `{ users(first: 100000) { friends(first: 100000) { friends(first: 100000) { id } } } }`;
    await expectRefused(
      await raw(JSON.stringify({ query: document })),
      400,
      "COST_LIMIT",
      /^Operation could make \d+ upstream calls; the limit is 1000\.$/,
    );
  });

  it("A07 (first: $n): a page size in a variable is costed with its value (S05): 400 COST_LIMIT, no call", async () => {
    const result = await query(capped, `query($n: Int) { users(first: $n) { friends { best { id } } } }`, { n: 100_000 });
    expect(result.status).toBe(400);
    expect(codes(result)).toEqual(new Set(["COST_LIMIT"]));
    expect(upstream.requests).toHaveLength(0);
  });

  it("A15: a typo gets no suggestion", async () => {
    const result = await query(trestle, `{ usr(id: "1") { id } }`);
    expect(result.errors?.[0]?.message).toBe('Cannot query field "usr" on type "Query". [Suggestion hidden]');
  });

  it("fragment cycles are refused", async () => {
    const document = `{ user(id: "1") { ...A } } fragment A on User { child { ...B } } fragment B on User { child { ...A } }`;
    await expectRefused(await raw(JSON.stringify({ query: document })), 400, /.*/, /Cannot spread fragment "A" within itself/);
  });

  it("A16: NODE_ENV=production → 400 GRAPHQL_VALIDATION_FAILED for introspection, over POST and GET", async () => {
    const production = await createTestTrestle(sdl(upstream.url), { env: { NODE_ENV: "production" } });
    const document = `{ __schema { types { name } } }`;
    const viaPost = await query(production, document);
    const viaGet = await production.fetch(
      new Request(`http://trestle.test/graphql?query=${encodeURIComponent(document)}`, {
        headers: { accept: "application/graphql-response+json" },
      }),
    );
    const getBody = (await viaGet.json()) as { data?: unknown; errors: Array<{ message: string; extensions: { code: string } }> };
    await production.close();
    expect(viaPost.status).toBe(400);
    expect(viaPost.data).toBeUndefined();
    expect(viaPost.errors?.[0]?.extensions?.["code"]).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(viaPost.errors?.[0]?.message).toMatch(/introspection/i);
    expect(viaGet.status).toBe(400);
    expect(getBody.data).toBeUndefined();
    expect(getBody.errors[0]?.extensions.code).toBe("GRAPHQL_VALIDATION_FAILED");
  });
});

describe("abusive operations: the per-operation upstream-call cap", () => {
  it("A04: 15 allowed aliases with list fan-out (630 calls wanted) stop at maxUpstreamCalls: 100", async () => {
    // Within every static limit: 15 aliases, depth 4, cost 15 × (1 + 1 + 20 assumed) = 330.
    const aliases = Array.from({ length: 15 }, (_, i) => `a${i}: user(id: "u${i}") { id friends { id best { id } } }`).join(" ");
    const result = await query(capped, `{ ${aliases} }`);
    expect(result.status).toBe(200);
    expect(upstream.requests).toHaveLength(100);
    // Trestle's code for it is COST_LIMIT (the proposed UPSTREAM_CALL_BUDGET_EXCEEDED is not a Trestle code).
    expect(codes(result)).toEqual(new Set(["COST_LIMIT"]));
    expect(result.errors?.[0]?.message).toBe("The operation reached its limit of 100 upstream calls; no more were made.");
    expect(result.data?.["a0"]).toMatchObject({ id: "u0" });
  });

  it("A08: a field repeated 500 times is one upstream call", async () => {
    const result = await query(trestle, `{ user(id: "1") { ${"name ".repeat(500)} } }`);
    expect(result.errors).toBeUndefined();
    expect(upstream.requests).toHaveLength(1);
  });
});

describe("abusive requests: bodies and media types", () => {
  it("A09: a batched array of 1,000 operations", async () => {
    const batch = Array.from({ length: 1000 }, () => ({ query: `{ user(id: "1") { id } }` }));
    await expectRefused(await raw(JSON.stringify(batch)), 400, /.*/, /Batching is not supported/);
  });

  it("A10: a 10 MB body gets 413 before it is parsed", async () => {
    const response = await raw(JSON.stringify({ query: `{ user(id: "1") { id } }`, variables: { pad: "x".repeat(10_000_000) } }));
    expect(response.status).toBe(413);
    expect(upstream.requests).toHaveLength(0);
  });

  describe("A11: a compressed request body is never inflated", () => {
    /** About 50 KB on the wire, 50 MB once inflated. */
    const bomb = gzipSync(Buffer.from(JSON.stringify({ query: `{ user(id: "1") { id } }`, variables: { pad: "0".repeat(50_000_000) } })));

    it("A11: Content-Encoding: gzip through trestle.fetch → 400 or 415, no call, memory flat", async () => {
      const gc = (globalThis as { gc?: () => void }).gc;
      expect(gc, "vitest runs test workers with --expose-gc").toBeTypeOf("function");
      gc!();
      const before = process.memoryUsage().heapUsed;
      for (let i = 0; i < 5; i++) {
        const response = await raw(bomb, { "content-type": "application/json", "content-encoding": "gzip" });
        expect([400, 415]).toContain(response.status);
        await response.body?.cancel();
      }
      gc!();
      expect(process.memoryUsage().heapUsed - before).toBeLessThan(10 * 1024 * 1024);
      expect(upstream.requests).toHaveLength(0);
    });

    it("A11: the same over a socket, through trestle.handle", async () => {
      const server = await serveTrestle(trestle);
      const head = `POST /graphql HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: ${bomb.length}\r\n\r\n`;
      const answer = await sendRaw(server.port, head + bomb.toString("latin1"));
      await server.close();
      expect([400, 415]).toContain(answer.status);
      expect(upstream.requests).toHaveLength(0);
    });
  });

  it("A12: variables nested 100,000 deep", async () => {
    const variables = `{"tag": ${"[".repeat(100_000)}${"]".repeat(100_000)}}`;
    const response = await raw(`{"query": "query($tag: [String]) { search(tag: $tag) { id } }", "variables": ${variables}}`);
    expect(response.status).toBe(400);
    expect(upstream.requests).toHaveLength(0);
  });

  it("A13: a 5 MB string argument is refused by the body limit", async () => {
    const response = await raw(
      JSON.stringify({ query: `query($id: ID!) { user(id: $id) { id } }`, variables: { id: "x".repeat(5_000_000) } }),
    );
    expect(response.status).toBe(413);
  });

  it("A13: a 100 KB path argument is refused before any call", async () => {
    const result = await query(trestle, `query($id: ID!) { user(id: $id) { id } }`, { id: "x".repeat(100_000) });
    expect(result.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
    expect(upstream.requests).toHaveLength(0);
  });

  it("A14: invalid JSON", async () => {
    await expectRefused(await raw(`{"query": `), 400, /.*/, /invalid JSON/i);
  });

  it("a media type Trestle does not read (application/xml) → 400 or 415", async () => {
    const xml = await raw("<query/>", { "content-type": "application/xml" });
    expect([400, 415]).toContain(xml.status);
    expect(upstream.requests).toHaveLength(0);
  });

  it("A17: a mutation over GET is refused", async () => {
    const response = await raw("", {}, "GET", `/graphql?query=${encodeURIComponent('mutation { rename(id: "1", name: "x") { id } }')}`);
    expect(response.status).toBe(405);
    expect(upstream.requests).toHaveLength(0);
  });

  it.each([
    ["text/plain", JSON.stringify({ query: `mutation { rename(id: "1", name: "pwned") { id } }` })],
    ["application/x-www-form-urlencoded", `query=${encodeURIComponent(`mutation { rename(id: "1", name: "pwned") { id } }`)}`],
    [
      "multipart/form-data; boundary=x",
      `--x\r\nContent-Disposition: form-data; name="query"\r\n\r\nmutation { rename(id: "1", name: "pwned") { id } }\r\n--x--\r\n`,
    ],
  ])("A18: a cookie-authenticated %s mutation without the CSRF header → 403 CSRF_PREVENTED, not executed", async (type, body) => {
    await expectRefused(await raw(body, { "content-type": type, cookie: "session=CANARY-session" }), 403, "CSRF_PREVENTED");
  });
});

describe("URL-template injection in every argument position", () => {
  it.each([
    ["path", `{ user(id: "a/admin?x=1#y") { url } }`, "/users/a%2Fadmin%3Fx%3D1%23y"],
    ["query value", `{ search(q: "a&admin=1#x") { url } }`, "/search?q=a%26admin%3D1%23x"],
    ["list query value", `{ search(tag: ["a&b=c", "/../d"]) { url } }`, "/search?tag=a%26b%3Dc&tag=%2F..%2Fd"],
    ["body value", `mutation { rename(id: "1", name: "\\", \\"admin\\": true, \\"x\\": \\"") { url } }`, "/users/1"],
    ["nested list argument", `{ user(id: "1") { friends(first: 2) { url } } }`, "/users/1/friends?first=2"],
  ])("%s", async (_position, document, expectedTarget) => {
    const result = await query(trestle, document);
    expect(result.errors).toBeUndefined();
    expect(upstream.requests.map((r) => r.url)).toContain(expectedTarget);
    for (const body of upstream.requests.map((r) => r.body).filter(Boolean))
      expect(Object.keys(JSON.parse(body) as object)).toEqual(["name"]);
  });
});

describe("A20: what an upstream failure says to the client", () => {
  it("A20: a transport that throws `connect ECONNREFUSED 10.0.0.5:8080 CANARY` is a coded field error that names neither", async () => {
    const failing = await createTestTrestle(sdl(upstream.url), {
      fetch: () => Promise.reject(Object.assign(new Error("connect ECONNREFUSED 10.0.0.5:8080 CANARY-a20"), { code: "ECONNREFUSED" })),
    });
    const result = await query(failing, `{ hello user(id: "1") { id } }`);
    await failing.close();
    expect(result.status).toBe(200);
    expect(result.data).toEqual({ hello: null, user: null });
    // Trestle's own coded error (not INTERNAL_SERVER_ERROR): the code is the contract, the text is generic.
    expect(result.errors?.[0]).toEqual({
      message: 'Upstream "api" is unavailable.',
      path: ["user"],
      locations: [{ line: 1, column: 9 }],
      extensions: { code: "UPSTREAM_UNAVAILABLE", upstream: "api" },
    });
    const text = JSON.stringify(result);
    for (const secret of ["CANARY", "10.0.0.5", "8080", "ECONNREFUSED", "stack", "originalError"]) expect(text).not.toContain(secret);
  });
});

describe("after every abuse", () => {
  it("a normal client is served, by both instances, with one upstream call each", async () => {
    for (const target of [trestle, capped]) {
      expect(await query(target, `{ user(id: "42") { id name } }`)).toEqual({ status: 200, data: { user: { id: "42", name: "n" } } });
    }
    expect(upstream.requests.map((r) => r.url)).toEqual(["/users/42", "/users/42"]);
  });
});
