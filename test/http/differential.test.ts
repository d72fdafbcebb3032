import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Trestle, TrestleOptions } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { sendJson, startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";

// The differential suite: the same operations through every way a GraphQL request comes in —
// POST JSON (the fast route), POST JSON with an extra media type parameter and GET (yoga's
// route), application/graphql+json, URL-encoded forms — through `trestle.fetch` and through
// `trestle.handle` on loopback, for each `Accept` a client sends. Every answer must match the
// first one in status, the headers that matter and the body; a pinned expectation per case
// keeps "all alike" from meaning "all wrong".
const app = "https://app.example.com";
let upstream: TestUpstream;
const instances = new Map<string, { trestle: Trestle; base: string }>();
const closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  upstream = await startTestUpstream((req, res) => {
    const path = req.url.split("?")[0] ?? "";
    if (path === "/fail") return sendJson(res, 500, { detail: "db-secret-host" });
    if (path === "/missing") return sendJson(res, 404, { detail: "no such item" });
    if (path === "/garbled") return void res.writeHead(200, { "content-type": "application/json" }).end("{not json");
    if (path === "/huge") return sendJson(res, 200, { id: "h", name: "x".repeat(4096) });
    if (path === "/fresh") return sendJson(res, 200, { id: "f", name: "fresh", child_id: "1" }, { "cache-control": "no-store" });
    if (path === "/list") return sendJson(res, 200, [{ id: "1", name: "n", child_id: "2" }], { "cache-control": "public, max-age=300" });
    if (req.method === "POST") return sendJson(res, 201, { id: "new", name: JSON.parse(req.body || "{}").name ?? null });
    sendJson(res, 200, { id: path.split("/").pop(), name: "n", child_id: "1" }, { "cache-control": "public, max-age=300" });
  });
  const sdl = /* GraphQL */ `
    extend schema @upstream(name: "api", baseUrl: "${upstream.url}", maxResponseBytes: 1024, retry: { attempts: 0 }, breaker: { failures: 0 })
    extend schema @upstream(name: "gone", baseUrl: "http://127.0.0.1:9", retry: { attempts: 0 }, breaker: { failures: 0 })
    enum Color { RED GREEN }
    input ItemInput { name: String!, color: Color }
    type Query {
      item(id: ID!): Item @rest(upstream: "api", path: "/items/{args.id}")
      items(first: Int, color: Color): [Item!]! @rest(upstream: "api", path: "/list?first={args.first}&color={args.color}")
      fresh: Item @rest(upstream: "api", path: "/fresh")
      fail: Item @rest(upstream: "api", path: "/fail")
      missing: Item @rest(upstream: "api", path: "/missing")
      garbled: Item @rest(upstream: "api", path: "/garbled")
      huge: Item @rest(upstream: "api", path: "/huge")
      gone: Item @rest(upstream: "gone", path: "/x")
      required: Item! @rest(upstream: "api", path: "/fail")
    }
    type Mutation {
      create(input: ItemInput!): Item @rest(upstream: "api", method: POST, path: "/items", body: "{args.input}")
      explode: Item @rest(upstream: "api", method: POST, path: "/fail")
    }
    type Item { id: ID!, name: String, child: Item @rest(upstream: "api", path: "/items/{parent.child_id}") }
  `;
  const limits = { maxDepth: 3, maxAliases: 3, maxRootFields: 4, maxTokens: 120, maxDirectives: 2, maxCost: 40, maxRequestBytes: 2048 };
  const context: TrestleOptions["context"] = (request) => {
    if (request.headers.get("x-boom") !== null) throw new Error("context failed: secret-token-123");
    return {};
  };
  const make = async (name: string, options: Partial<TrestleOptions>) => {
    const trestle = await createTestTrestle(sdl, { limits, context, cors: { origin: [app], credentials: true }, ...options });
    const server: Server = createServer((req, res) => void trestle.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    instances.set(name, { trestle, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
    closers.push(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await trestle.close();
    });
  };
  await make("production", { env: { NODE_ENV: "production" } });
  await make("development", { env: { NODE_ENV: "development" }, graphiql: false });
  await make("debug", { env: { NODE_ENV: "production" }, debug: true });
});
afterAll(async () => {
  for (const close of closers) await close();
  await upstream.close();
});

type Way = "post-json" | "post-json-param" | "post-graphql-json" | "post-form" | "get";
const queryWays: readonly Way[] = ["post-json", "post-json-param", "post-graphql-json", "post-form", "get"];
const mutationWays: readonly Way[] = ["post-json", "post-json-param", "post-graphql-json", "post-form"];
const accepts: ReadonlyArray<string | undefined> = [
  undefined,
  "application/json",
  "application/graphql-response+json",
  "*/*",
  "application/graphql-response+json, application/json",
  "text/html;q=0.5, application/json",
];

interface Operation {
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
}

interface Answer {
  status: number;
  headers: Record<string, string | null>;
  body: unknown;
}

/** How one operation is written for one way in: the request target, headers and body. */
function requestFor(
  way: Way,
  operation: Operation,
  accept: string | undefined,
  extra: Record<string, string> = {},
): { path: string; init: RequestInit } {
  const headers: Record<string, string> = { origin: app, ...extra };
  if (accept !== undefined) headers["accept"] = accept;
  const json = JSON.stringify(operation);
  const search = new URLSearchParams({ query: operation.query });
  if (operation.variables !== undefined) search.set("variables", JSON.stringify(operation.variables));
  if (operation.operationName !== undefined) search.set("operationName", operation.operationName);
  switch (way) {
    case "post-json":
      return { path: "/graphql", init: { method: "POST", headers: { ...headers, "content-type": "application/json" }, body: json } };
    case "post-json-param":
      return {
        path: "/graphql",
        init: { method: "POST", headers: { ...headers, "content-type": "application/json; profile=x" }, body: json },
      };
    case "post-graphql-json":
      return {
        path: "/graphql",
        init: { method: "POST", headers: { ...headers, "content-type": "application/graphql+json" }, body: json },
      };
    case "post-form":
      return {
        path: "/graphql",
        init: {
          method: "POST",
          headers: { ...headers, "content-type": "application/x-www-form-urlencoded", "x-trestle-csrf": "1" },
          body: search.toString(),
        },
      };
    case "get":
      return { path: `/graphql?${search}`, init: { method: "GET", headers } };
  }
}

const kept = ["content-type", "cache-control", "vary", "access-control-allow-origin", "access-control-allow-credentials", "allow"];

async function send(instance: string, entry: "fetch" | "handle", path: string, init: RequestInit): Promise<Answer> {
  const { trestle, base } = instances.get(instance)!;
  const response =
    entry === "fetch" ? await trestle.fetch(new Request(`http://trestle.test${path}`, init)) : await fetch(`${base}${path}`, init);
  const text = await response.text();
  const headers: Record<string, string | null> = {};
  for (const name of kept) headers[name] = response.headers.get(name);
  // Freshness left counts down by the second, timings vary: the shape is compared, not the clock.
  if (headers["cache-control"]) headers["cache-control"] = headers["cache-control"].replace(/max-age=\d+/, "max-age=N");
  let body: unknown = text;
  try {
    body = JSON.parse(text.replace(/"(ms|start)":[\d.]+/g, '"$1":0').replace(/"age":\d+/g, '"age":0'));
  } catch {
    // Not JSON: compared as text.
  }
  return { status: response.status, headers, body };
}

/** Every way × entry × Accept: all answers equal to the first; returns the first per Accept. */
async function differential(
  instance: string,
  operation: Operation,
  ways: readonly Way[],
  extra?: Record<string, string>,
): Promise<Map<string | undefined, Answer>> {
  const firsts = new Map<string | undefined, Answer>();
  for (const accept of accepts) {
    let first: Answer | undefined;
    for (const way of ways) {
      for (const entry of ["fetch", "handle"] as const) {
        const { path, init } = requestFor(way, operation, accept, extra);
        const answer = await send(instance, entry, path, init);
        if (first === undefined) first = answer;
        else expect(answer, `${way} through ${entry}, Accept: ${accept ?? "(none)"}`).toEqual(first);
      }
    }
    firsts.set(accept, first!);
  }
  return firsts;
}

interface Case {
  name: string;
  operation: Operation;
  instance?: "production" | "development" | "debug";
  mutation?: boolean;
  /** Pinned: the status for application/json and for application/graphql-response+json. */
  status: [number, number];
  /** Pinned: the codes of the errors, in order (none when there are no errors). */
  codes?: string[];
  check?: (answer: Answer) => void;
  headers?: Record<string, string>;
}

const errorsOf = (answer: Answer) => (answer.body as { errors?: Array<{ message: string; extensions?: { code?: string } }> }).errors ?? [];
const codesOf = (answer: Answer) => errorsOf(answer).map((error) => error.extensions?.code ?? "(none)");
const aliases = (n: number) => Array.from({ length: n }, (_, i) => `a${i}: item(id: "${i}") { id }`).join(" ");

const cases: Case[] = [
  {
    name: "a query with data, cacheable",
    operation: { query: `{ item(id: "1") { id name } }` },
    status: [200, 200],
    check: (a) => expect(a.headers["cache-control"]).toBe("public, max-age=N"),
  },
  { name: "nested reads", operation: { query: `{ item(id: "2") { id child { id name } } }` }, status: [200, 200] },
  { name: "variables", operation: { query: `query Q($id: ID!) { item(id: $id) { id } }`, variables: { id: "7" } }, status: [200, 200] },
  {
    name: "a list argument and an enum",
    operation: { query: `query($n: Int) { items(first: $n, color: RED) { id } }`, variables: { n: 2 } },
    status: [200, 200],
  },
  {
    name: "an uncacheable read: no Cache-Control",
    operation: { query: `{ fresh { id } }` },
    status: [200, 200],
    check: (a) => expect(a.headers["cache-control"]).toBeNull(),
  },
  { name: "__typename only", operation: { query: `{ __typename }` }, status: [200, 200] },
  {
    name: "two operations, one picked by operationName",
    operation: { query: `query A { item(id: "1") { id } } query B { item(id: "2") { name } }`, operationName: "B" },
    status: [200, 200],
  },
  {
    name: "two operations, none picked",
    operation: { query: `query A { item(id: "1") { id } } query B { item(id: "2") { name } }` },
    status: [400, 400],
    codes: ["OPERATION_RESOLUTION_FAILURE"],
  },
  {
    name: "an operationName that is not in the document",
    operation: { query: `query A { __typename }`, operationName: "Z" },
    status: [400, 400],
    codes: ["OPERATION_RESOLUTION_FAILURE"],
  },
  { name: "a mutation", operation: { query: `mutation { create(input: { name: "x" }) { id name } }` }, mutation: true, status: [200, 200] },
  {
    name: "a mutation with variables",
    operation: { query: `mutation($in: ItemInput!) { create(input: $in) { id name } }`, variables: { in: { name: "y", color: "GREEN" } } },
    mutation: true,
    status: [200, 200],
  },
  {
    name: "a mutation whose upstream fails",
    operation: { query: `mutation { explode { id } }` },
    mutation: true,
    status: [200, 200],
    codes: ["UPSTREAM_ERROR"],
  },
  {
    name: "a mutation with a variable of the wrong type",
    operation: { query: `mutation($in: ItemInput!) { create(input: $in) { id } }`, variables: { in: { name: 5, colour: "RED" } } },
    mutation: true,
    status: [400, 400],
    codes: ["BAD_USER_INPUT", "BAD_USER_INPUT"],
  },
  {
    name: "partial data and UPSTREAM_ERROR (500)",
    operation: { query: `{ item(id: "1") { id } fail { id } }` },
    status: [200, 200],
    codes: ["UPSTREAM_ERROR"],
    check: (a) => expect(JSON.stringify(a.body)).not.toContain("db-secret-host"),
  },
  {
    name: "an upstream 404 is null, no error",
    operation: { query: `{ missing { id } }` },
    status: [200, 200],
    check: (a) => expect(a.body).toEqual({ data: { missing: null } }),
  },
  { name: "UPSTREAM_BAD_RESPONSE", operation: { query: `{ garbled { id } }` }, status: [200, 200], codes: ["UPSTREAM_BAD_RESPONSE"] },
  {
    name: "UPSTREAM_RESPONSE_TOO_LARGE",
    operation: { query: `{ huge { id } }` },
    status: [200, 200],
    codes: ["UPSTREAM_RESPONSE_TOO_LARGE"],
  },
  { name: "UPSTREAM_UNAVAILABLE", operation: { query: `{ gone { id } }` }, status: [200, 200], codes: ["UPSTREAM_UNAVAILABLE"] },
  {
    name: "a non-null root that fails: data null",
    operation: { query: `{ required { id } }` },
    status: [200, 200],
    codes: ["UPSTREAM_ERROR"],
    check: (a) => expect((a.body as { data: unknown }).data).toBeNull(),
  },
  {
    name: "a bad path value (BAD_USER_INPUT with data)",
    operation: { query: `{ item(id: "..") { id } }` },
    status: [200, 200],
    codes: ["BAD_USER_INPUT"],
  },
  { name: "a syntax error", operation: { query: `{ item(id: "1") { id }` }, status: [200, 400], codes: ["GRAPHQL_PARSE_FAILED"] },
  {
    name: "a validation error, suggestions hidden in production",
    operation: { query: `{ iten(id: "1") { id } }` },
    status: [200, 400],
    codes: ["GRAPHQL_VALIDATION_FAILED"],
    check: (a) => expect(errorsOf(a)[0]?.message).not.toContain("Did you mean"),
  },
  {
    name: "a validation error, suggestions shown in development",
    instance: "development",
    operation: { query: `{ iten(id: "1") { id } }` },
    status: [200, 400],
    codes: ["GRAPHQL_VALIDATION_FAILED"],
    check: (a) => expect(errorsOf(a)[0]?.message).toContain("Did you mean"),
  },
  {
    name: "introspection is off in production",
    operation: { query: `{ __schema { queryType { name } } }` },
    status: [200, 400],
    codes: ["GRAPHQL_VALIDATION_FAILED", "GRAPHQL_VALIDATION_FAILED"],
  },
  {
    name: "introspection is on in development",
    instance: "development",
    operation: { query: `{ __schema { queryType { name } } }` },
    status: [200, 200],
  },
  {
    name: "a variable of the wrong type: BAD_USER_INPUT, 400",
    operation: { query: `query($id: ID!) { item(id: $id) { id } }`, variables: { id: { no: 1 } } },
    status: [400, 400],
    codes: ["BAD_USER_INPUT"],
  },
  {
    name: "a missing required variable",
    operation: { query: `query($id: ID!) { item(id: $id) { id } }`, variables: {} },
    status: [400, 400],
    codes: ["BAD_USER_INPUT"],
  },
  {
    name: "an enum variable misspelt: suggestion hidden in production",
    operation: { query: `query($c: Color) { items(first: 1, color: $c) { id } }`, variables: { c: "REDD" } },
    status: [400, 400],
    codes: ["BAD_USER_INPUT"],
    check: (a) => expect(errorsOf(a)[0]?.message).not.toContain("Did you mean"),
  },
  {
    name: "an enum variable misspelt: suggestion shown in development",
    instance: "development",
    operation: { query: `query($c: Color) { items(first: 1, color: $c) { id } }`, variables: { c: "REDD" } },
    status: [400, 400],
    codes: ["BAD_USER_INPUT"],
    check: (a) => expect(errorsOf(a)[0]?.message).toContain("Did you mean"),
  },
  {
    name: "MAX_DEPTH_LIMIT",
    operation: { query: `{ item(id: "1") { child { child { child { id } } } } }` },
    status: [400, 400],
    codes: ["MAX_DEPTH_LIMIT"],
  },
  {
    name: "MAX_ALIASES_LIMIT",
    operation: { query: `{ ${aliases(4)} }` },
    status: [400, 400],
    codes: expect.arrayContaining(["MAX_ALIASES_LIMIT"]) as unknown as string[],
  },
  {
    name: "MAX_ROOT_FIELDS_LIMIT",
    operation: { query: `{ item(id: "1") { id } fresh { id } fail { id } missing { id } garbled { id } }` },
    status: [400, 400],
    codes: ["MAX_ROOT_FIELDS_LIMIT"],
  },
  { name: "MAX_TOKENS_LIMIT", operation: { query: `{ ${"__typename ".repeat(130)} }` }, status: [400, 400], codes: ["MAX_TOKENS_LIMIT"] },
  {
    name: "MAX_DIRECTIVES_LIMIT",
    operation: { query: `{ __typename @skip(if: false) @include(if: true) @skip(if: false) }` },
    status: [400, 400],
    codes: expect.arrayContaining(["MAX_DIRECTIVES_LIMIT"]) as unknown as string[],
  },
  {
    name: "COST_LIMIT",
    operation: { query: `query($n: Int) { items(first: $n) { id child { id } } }`, variables: { n: 100 } },
    status: [400, 400],
    codes: ["COST_LIMIT"],
  },
  {
    name: "a context function that throws: masked, 500",
    operation: { query: `{ item(id: "1") { id } }` },
    headers: { "x-boom": "1" },
    status: [500, 500],
    codes: ["INTERNAL_SERVER_ERROR"],
    check: (a) => expect(JSON.stringify(a.body)).not.toContain("secret-token-123"),
  },
  {
    name: "debug: data with upstream calls",
    instance: "debug",
    operation: { query: `{ fresh { id } }` },
    status: [200, 200],
    check: (a) => expect((a.body as { extensions?: unknown }).extensions).toBeDefined(),
  },
  {
    name: "debug: an upstream error with its details",
    instance: "debug",
    operation: { query: `{ fail { id } }` },
    status: [200, 200],
    codes: ["UPSTREAM_ERROR"],
    check: (a) => expect(JSON.stringify(a.body)).toContain("db-secret-host"),
  },
  {
    name: "debug: a context function that throws shows its message",
    instance: "debug",
    operation: { query: `{ fresh { id } }` },
    headers: { "x-boom": "1" },
    status: [500, 500],
    codes: ["INTERNAL_SERVER_ERROR"],
  },
  {
    name: "debug: a validation error",
    instance: "debug",
    operation: { query: `{ nope }` },
    status: [200, 400],
    codes: ["GRAPHQL_VALIDATION_FAILED"],
  },
  {
    name: "debug: a variable of the wrong type",
    instance: "debug",
    operation: { query: `query($id: ID!) { item(id: $id) { id } }`, variables: { id: [1, 2] } },
    status: [400, 400],
    codes: ["BAD_USER_INPUT"],
  },
];

describe("differential: every way in, both entries, every Accept, one answer", () => {
  it.each(cases.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    const firsts = await differential(c.instance ?? "production", c.operation, c.mutation ? mutationWays : queryWays, c.headers);
    for (const [accept, answer] of firsts) {
      const graphqlResponse = accept?.startsWith("application/graphql-response+json") === true;
      expect(answer.status, `Accept: ${accept ?? "(none)"}`).toBe(c.status[graphqlResponse ? 1 : 0]);
      expect(answer.headers["content-type"]).toBe(
        graphqlResponse ? "application/graphql-response+json; charset=utf-8" : "application/json; charset=utf-8",
      );
      expect(answer.headers["access-control-allow-origin"]).toBe(app);
      expect(answer.headers["vary"]?.toLowerCase()).toContain("origin");
      if (c.codes === undefined) expect(errorsOf(answer)).toEqual([]);
      else expect(codesOf(answer)).toEqual(c.codes);
      c.check?.(answer);
    }
  });

  it("a mutation over GET is refused alike through fetch and handle (405, Allow)", async () => {
    const operation = { query: `mutation { create(input: { name: "x" }) { id } }` };
    for (const accept of accepts) {
      const { path, init } = requestFor("get", operation, accept);
      const [viaFetch, viaHandle] = [await send("production", "fetch", path, init), await send("production", "handle", path, init)];
      expect(viaHandle).toEqual(viaFetch);
      expect(viaFetch.status).toBe(405);
    }
  });

  it("malformed parameters are 400 BAD_REQUEST on every way that can carry them, never a 500", async () => {
    const answers: Answer[] = [];
    for (const entry of ["fetch", "handle"] as const) {
      for (const accept of accepts) {
        const headers: Record<string, string> = { origin: app, ...(accept ? { accept } : {}) };
        answers.push(
          await send("production", entry, `/graphql?query=${encodeURIComponent("{ __typename }")}&variables=%7Bnope`, { headers }),
        );
        answers.push(
          await send("production", entry, "/graphql", {
            method: "POST",
            headers: { ...headers, "content-type": "application/x-www-form-urlencoded", "x-trestle-csrf": "1" },
            body: "query=%7B__typename%7D&variables=%7Bnope",
          }),
        );
        for (const type of ["application/json", "application/json; profile=x", "application/graphql+json"]) {
          answers.push(
            await send("production", entry, "/graphql", {
              method: "POST",
              headers: { ...headers, "content-type": type },
              body: JSON.stringify({ query: "{ __typename }", variables: "nope" }),
            }),
          );
        }
      }
    }
    for (const answer of answers) {
      expect(answer.status).toBe(400);
      expect(codesOf(answer)).toEqual(["BAD_REQUEST"]);
      expect(answer.headers["access-control-allow-origin"]).toBe(app);
    }
  });

  it("a body over maxRequestBytes is 413 alike on every POST way and both entries", async () => {
    const big = { query: `{ __typename }`, variables: { pad: "x".repeat(4096) } };
    const answers: Answer[] = [];
    for (const entry of ["fetch", "handle"] as const) {
      for (const way of mutationWays) {
        const { path, init } = requestFor(way, big, "application/json");
        answers.push(await send("production", entry, path, init));
      }
    }
    for (const answer of answers) {
      expect(answer.status).toBe(413);
      expect(answer.headers["access-control-allow-origin"]).toBe(app);
    }
    // A normal client is still served.
    expect(
      (
        await send(
          "production",
          "handle",
          ...(Object.values(requestFor("post-json", { query: "{ __typename }" }, "application/json")) as [string, RequestInit]),
        )
      ).status,
    ).toBe(200);
  });

  it("CSRF: a form or text/plain POST without x-trestle-csrf is 403 CSRF_PREVENTED through fetch and handle alike", async () => {
    for (const type of ["application/x-www-form-urlencoded", "text/plain", "multipart/form-data; boundary=x"]) {
      const init = { method: "POST", headers: { origin: app, "content-type": type }, body: "query=%7B__typename%7D" };
      const [viaFetch, viaHandle] = [
        await send("production", "fetch", "/graphql", init),
        await send("production", "handle", "/graphql", init),
      ];
      expect(viaHandle).toEqual(viaFetch);
      expect(viaFetch.status).toBe(403);
      expect(codesOf(viaFetch)).toEqual(["CSRF_PREVENTED"]);
    }
  });
});
