import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { sendJson, startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";
import { serveTrestle, type TrestleServer } from "../passthrough/raw-http.js";
import { captureLogs, type LogLine } from "./capture-logs.js";

// Issue 24, item 3: one JSON line per request through a pino-compatible `logger`; LG01–LG09.
const logs = captureLogs();
let upstream: TestUpstream;
let trestle: Trestle;
let served: TrestleServer;

const schema = (url: string) => `
  extend schema @upstream(name: "api", baseUrl: "${url}",
    headers: [{ name: "x-api-key", value: "{env.TOKEN}" }, { name: "authorization", from: "authorization" }],
    passthrough: { methods: [GET, POST], paths: ["/users/**"] })
  @upstream(name: "shared", baseUrl: "${url}")
  type Query {
    user(id: ID!): User @rest(upstream: "api", path: "/users/{args.id}?key={env.TOKEN}")
    broken: User @rest(upstream: "api", path: "/boom")
    model(name: String!): User @rest(upstream: "shared", path: "/models/{args.name}")
  }
  type User { id: ID name: String }`;

beforeAll(async () => {
  upstream = await startTestUpstream((req, res) => {
    const path = req.url.split("?")[0]!;
    if (path === "/boom") return sendJson(res, 500, { message: "upstream down" });
    if (path.startsWith("/models/")) return sendJson(res, 200, { id: path, name: "m" }, { "cache-control": "public, max-age=60" });
    if (path === "/users/missing") return sendJson(res, 404, { message: "no such user" });
    return sendJson(res, 200, { id: path.slice("/users/".length), name: "Ada" });
  });
  trestle = await createTestTrestle(schema(upstream.url), { env: { TOKEN: "s3cr3t-env-CCCC" }, logger: logs.logger });
  served = await serveTrestle(trestle);
});
afterAll(async () => {
  await served.close();
  await trestle.close();
  await upstream.close();
});
beforeEach(() => {
  logs.raw.length = 0;
});

const post = (body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${served.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/graphql-response+json", ...headers },
    body: JSON.stringify(body),
  });

/** The one request line written for the last request. */
async function oneLine(): Promise<LogLine> {
  const [line, ...more] = await logs.waitForRequests(1);
  expect(more).toEqual([]);
  return line!;
}

describe("one line per request, with the request's facts", () => {
  it("LG01: a GraphQL POST: time, level, msg, method, route, status, ms, operation name, calls", async () => {
    const response = await post({
      query: "query GetUser($id: ID!) { user(id: $id) { name } }",
      variables: { id: "7" },
      operationName: "GetUser",
    });
    expect(response.status).toBe(200);
    const line = await oneLine();
    expect(line).toMatchObject({
      level: 30,
      msg: "request completed",
      method: "POST",
      route: "graphql",
      status: 200,
      operation: "GetUser",
      calls: 1,
    });
    expect(typeof line.time).toBe("number");
    expect(typeof line["ms"]).toBe("number");
    expect(line["traceId"]).toBeUndefined();
    expect(line["cache"]).toEqual({ miss: 1 });
    expect(Object.keys(line).sort()).toEqual(
      ["cache", "calls", "level", "method", "ms", "msg", "operation", "pid", "hostname", "route", "status", "time"].sort(),
    );
  });

  it("LG02: a GraphQL GET through yoga: the parsed operation's name, without operationName", async () => {
    const query = encodeURIComponent('query ByGet { user(id: "8") { name } }');
    const response = await fetch(`${served.url}/graphql?query=${query}`, { headers: { accept: "application/json" } });
    expect(response.status).toBe(200);
    expect(await oneLine()).toMatchObject({ method: "GET", route: "graphql", status: 200, operation: "ByGet", calls: 1 });
  });

  it("LG03: passthrough: the route and the upstream's name, never the path or its query", async () => {
    const response = await fetch(`${served.url}/rest/api/users/42?token=abc`);
    expect(response.status).toBe(200);
    await response.text();
    const line = await oneLine();
    expect(line).toMatchObject({ method: "GET", route: "passthrough", upstream: "api", status: 200 });
    expect(JSON.stringify(line)).not.toContain("/users/42");
  });

  it("LG04: a failed upstream call: warn, with its code; a normal request after it is logged at info", async () => {
    const response = await post({ query: "query Broken { broken { name } }" });
    expect(((await response.json()) as { errors: unknown[] }).errors).toHaveLength(1);
    expect(await oneLine()).toMatchObject({ level: 40, route: "graphql", operation: "Broken", calls: 1, code: "UPSTREAM_ERROR" });
    logs.raw.length = 0;
    await post({ query: '{ user(id: "1") { name } }' });
    expect(await oneLine()).toMatchObject({ level: 30, status: 200, calls: 1 });
  });

  it("LG05: a 4xx: its code at info (a client's mistake), no operation for a document that does not parse", async () => {
    const response = await post({ query: "query Oops { user(" });
    expect(response.status).toBe(400);
    const line = await oneLine();
    expect(line).toMatchObject({ level: 30, route: "graphql", status: 400, code: "GRAPHQL_PARSE_FAILED" });
    expect(line["operation"]).toBeUndefined();
    logs.raw.length = 0;
    const problem = await fetch(`${served.url}/rest/api/secret-admin/x`);
    expect(problem.status).toBe(404);
    await problem.text();
    expect(await oneLine()).toMatchObject({ route: "passthrough", upstream: "api", status: 404, code: "ROUTE_NOT_FOUND" });
  });

  it("LG06: cache results counted by status; health routes named health", async () => {
    await post({ query: '{ model(name: "a") { name } }' });
    await logs.waitForRequests(1);
    await post({ query: '{ a: model(name: "a") { name } b: model(name: "b") { name } }' });
    const [, second] = await logs.waitForRequests(2);
    expect(second).toMatchObject({ calls: 2, cache: { hit: 1, miss: 1 } });
    logs.raw.length = 0;
    expect((await fetch(`${served.url}/healthz`)).status).toBe(200);
    expect(await oneLine()).toMatchObject({ method: "GET", route: "health", status: 200 });
  });

  it("LG07: a token-shaped x-request-id is logged; any other value is not", async () => {
    await post({ query: '{ user(id: "1") { name } }' }, { "x-request-id": "req-01HZX3" });
    expect(await oneLine()).toMatchObject({ requestId: "req-01HZX3" });
    logs.raw.length = 0;
    await post({ query: '{ user(id: "1") { name } }' }, { "x-request-id": "not a token; s3cr3t" });
    expect((await oneLine())["requestId"]).toBeUndefined();
  });

  it("LG08: the fetch entry logs the same line", async () => {
    const response = await trestle.fetch(
      new Request("http://trestle.test/graphql", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: 'query ViaFetch { user(id: "2") { id } }' }),
      }),
    );
    expect(response.status).toBe(200);
    expect(await oneLine()).toMatchObject({ method: "POST", route: "graphql", status: 200, operation: "ViaFetch", calls: 1 });
  });
});

describe("LG09: no planted secret reaches any log line", () => {
  const secrets = {
    authorization: "Bearer s3cr3t-auth-AAAA",
    cookie: "session=s3cr3t-cookie-BBBB",
    env: "s3cr3t-env-CCCC",
    variable: "s3cr3t-var-DDDD",
    query: "s3cr3t-qs-EEEE",
    alias: "s3cr3tAliasGGGG",
  };
  const headers = { authorization: secrets.authorization, cookie: secrets.cookie };

  it("LG09: GraphQL POST and GET, passthrough with a token in its query, an upstream error and 4xx answers: none of the secrets in any line", async () => {
    const sent: Array<Promise<Response>> = [
      post({ query: `query Q($id: ID!) { ${secrets.alias}: user(id: $id) { name } }`, variables: { id: secrets.variable } }, headers),
      fetch(
        `${served.url}/graphql?query=${encodeURIComponent(`query G($id: ID!) { user(id: $id) { id } }`)}&variables=${encodeURIComponent(JSON.stringify({ id: secrets.variable }))}`,
        {
          headers: { ...headers, accept: "application/json" },
        },
      ),
      fetch(`${served.url}/rest/api/users/${secrets.variable}?token=${secrets.query}`, { headers }),
      fetch(`${served.url}/rest/api/users/missing?token=${secrets.query}`, { headers }),
      fetch(`${served.url}/rest/nope/${secrets.variable}?token=${secrets.query}`, { headers }),
      post({ query: `query E { broken { name } }`, variables: { unused: secrets.variable } }, headers),
      post({ query: `query Bad($id: ID!) { user(id: $id) { nope } }`, variables: { id: secrets.variable } }, headers),
      post({ query: `{ user(id: "${secrets.variable}") { name } }` }, headers),
      post({ query: `query V($id: ID!) { user(id: $id) { name } }`, variables: { id: { nested: secrets.variable } } }, headers),
    ];
    for (const response of await Promise.all(sent)) await response.text();
    const lines = await logs.waitForRequests(sent.length);
    // Every request was logged, the upstream did get the secrets (so they were there to leak)...
    expect(lines).toHaveLength(sent.length);
    expect(upstream.requests.some((r) => r.url.includes(secrets.env) && r.headers["x-api-key"] === secrets.env)).toBe(true);
    expect(upstream.requests.some((r) => r.url.includes(secrets.query))).toBe(true);
    // ...and no line holds any of them, nor a path or query of the request.
    const all = logs.raw.join("");
    if (process.env["SHOW_LOGS"]) console.log(all);
    for (const secret of Object.values(secrets)) expect(all).not.toContain(secret);
    expect(all).not.toContain("s3cr3t");
    expect(all).not.toContain("?");
    // A normal user is served and logged afterwards.
    logs.raw.length = 0;
    expect((await post({ query: '{ user(id: "5") { name } }' })).status).toBe(200);
    expect(await oneLine()).toMatchObject({ status: 200, level: 30 });
  });
});
