import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { query } from "../helpers/graphql.js";
import { sendJson, startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";
import { sendRaw, serveTrestle } from "../passthrough/raw-http.js";

// Abusive GraphQL clients: the cases of section B1 of ../shared/research/reliability-and-security.md
// that test/limits/ does not already cover (A04, A06, the variables form of A07, A11, A16, A18,
// A20). Each asserts the status, the code and how many calls reached the upstream.
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
  }
  type Mutation { rename(id: ID!, name: String!): User @rest(method: POST, path: "/users/{args.id}", body: "{\\"name\\": {args.name}}") }
  type User {
    id: ID!
    name: String
    friends: [User!]! @rest(path: "/users/{parent.id}/friends")
    best: User @rest(path: "/users/{parent.best_id}")
  }
`;

beforeAll(async () => {
  upstream = await startTestUpstream((req, res) => {
    const url = new URL(req.url, "http://upstream");
    const friends = /^\/users\/([^/]+)\/friends$/.exec(url.pathname);
    if (friends) return sendJson(res, 200, Array.from({ length: 40 }, (_, i) => ({ id: `${friends[1]}-f${i}`, best_id: `${friends[1]}-f${i}-b` })));
    if (url.pathname === "/users") {
      const first = Math.min(Number(url.searchParams.get("first") ?? 10), 60);
      return sendJson(res, 200, Array.from({ length: first }, (_, i) => ({ id: `u${i}`, best_id: `u${i}-b` })));
    }
    const id = decodeURIComponent(url.pathname.split("/")[2] ?? "");
    sendJson(res, 200, { id, name: "n", best_id: `${id}-b` });
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

const codes = (result: { errors?: Array<{ extensions?: Record<string, unknown> }> }) => new Set(result.errors?.map((e) => e.extensions?.["code"]));

async function post(target: Trestle, body: BodyInit, headers: Record<string, string>): Promise<{ status: number; json: { data?: unknown; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> } }> {
  const response = await target.fetch(new Request("http://trestle.test/graphql", { method: "POST", headers, body }));
  return { status: response.status, json: (await response.json()) as { errors?: Array<{ message: string; extensions?: Record<string, unknown> }> } };
}

describe("A04: the per-operation upstream-call cap", () => {
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

  it("A07 (first: $n): a page size in a variable is costed with its value (S05): 400 COST_LIMIT, no call", async () => {
    const result = await query(capped, `query($n: Int) { users(first: $n) { friends { best { id } } } }`, { n: 100_000 });
    expect(result.status).toBe(400);
    expect(codes(result)).toEqual(new Set(["COST_LIMIT"]));
    expect(upstream.requests).toHaveLength(0);
  });
});

describe("A06: the token limit", () => {
  it.each(["application/graphql-response+json", "application/json"])("A06: 2,001 tokens ({ hello hello … }) → 400 MAX_TOKENS_LIMIT (Accept: %s)", async (accept) => {
    const { status, json } = await post(trestle, JSON.stringify({ query: `{ ${"hello ".repeat(2001)}}` }), { "content-type": "application/json", accept });
    expect(status).toBe(400);
    expect(json.data).toBeUndefined();
    expect(json.errors?.[0]).toMatchObject({ message: "Token limit of 2000 exceeded.", extensions: { code: "MAX_TOKENS_LIMIT" } });
    expect(upstream.requests).toHaveLength(0);
  });

  it("A06: 2,000 tokens are accepted, 2,001 are not", async () => {
    // { hello ( pad : [ 1 × n ] ) } is 9 + n tokens.
    const document = (n: number) => `{ hello(pad: [${"1 ".repeat(n)}]) }`;
    expect(await query(trestle, document(1991))).toEqual({ status: 200, data: { hello: null } });
    expect(codes(await query(trestle, document(1992)))).toEqual(new Set(["MAX_TOKENS_LIMIT"]));
  });
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
      const { status } = await post(trestle, bomb, { "content-type": "application/json", "content-encoding": "gzip" });
      expect([400, 415]).toContain(status);
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

describe("A16: introspection in production", () => {
  it("A16: NODE_ENV=production → 400 GRAPHQL_VALIDATION_FAILED, over POST and GET", async () => {
    const production = await createTestTrestle(sdl(upstream.url), { env: { NODE_ENV: "production" } });
    const document = `{ __schema { types { name } } }`;
    const viaPost = await query(production, document);
    const viaGet = await production.fetch(
      new Request(`http://trestle.test/graphql?query=${encodeURIComponent(document)}`, { headers: { accept: "application/graphql-response+json" } }),
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

describe("A18: CSRF", () => {
  const mutation = `mutation { rename(id: "1", name: "pwned") { id } }`;
  it.each([
    ["text/plain", JSON.stringify({ query: mutation })],
    ["application/x-www-form-urlencoded", `query=${encodeURIComponent(mutation)}`],
    ["multipart/form-data; boundary=x", `--x\r\nContent-Disposition: form-data; name="query"\r\n\r\n${mutation}\r\n--x--\r\n`],
  ])("A18: a cookie-authenticated %s mutation without the CSRF header → 403, not executed", async (type, body) => {
    const { status, json } = await post(trestle, body, { "content-type": type, cookie: "session=CANARY-session" });
    expect(status).toBe(403);
    expect(json.errors?.[0]?.extensions?.["code"]).toBe("CSRF_PREVENTED");
    expect(upstream.requests).toHaveLength(0);
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
    expect(result.errors?.[0]).toEqual({ message: 'Upstream "api" is unavailable.', path: ["user"], locations: [{ line: 1, column: 9 }], extensions: { code: "UPSTREAM_UNAVAILABLE", upstream: "api" } });
    const raw = JSON.stringify(result);
    for (const secret of ["CANARY", "10.0.0.5", "8080", "ECONNREFUSED", "stack", "originalError"]) expect(raw).not.toContain(secret);
  });
});
