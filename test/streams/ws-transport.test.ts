import { once } from "node:events";
import { createServer } from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { WebSocket, WebSocketServer } from "ws";
import type { Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { query } from "../helpers/graphql.js";
import { sendJson, startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";
import { errorsOf, openClient, openRaw, run, runOnce, serveWithUpgrade, tryUpgrade, type WsServed } from "./ws-client.js";

// GraphQL over WebSocket runs the HTTP routes' engine: the same limits, masking, document cache
// and context, through yoga's envelop. Queries and mutations show it (the protocol runs them too).
const schema = (url: string) => `
  extend schema @upstream(name: "api", baseUrl: "${url}", headers: [{ name: "authorization", from: "authorization" }])
  type Query {
    user(id: ID!): User @rest(path: "/users/{args.id}")
    broken: User @rest(path: "/broken")
    tenant: String @rest(path: "/tenant?t={context.tenant}", select: "t")
  }
  type Mutation { rename(id: ID!, name: String!): User @rest(method: PATCH, path: "/users/{args.id}", body: "{\\"name\\": {args.name}}") }
  type User { id: ID name: String friend: User @rest(path: "/users/{parent.id}/friend") }`;

let upstream: TestUpstream;
let trestle: Trestle;
let served: WsServed;
const contexts: Array<{ url: string; method: string; authorization: string | null; hasReq: boolean }> = [];

beforeAll(async () => {
  upstream = await startTestUpstream((req, res) => {
    if (req.url === "/broken") return sendJson(res, 500, { error: "secret stack trace from db-7.internal" });
    if (req.url.startsWith("/tenant")) return sendJson(res, 200, { t: new URL(req.url, "http://x").searchParams.get("t") });
    if (req.method === "PATCH") return sendJson(res, 200, { id: "1", ...(JSON.parse(req.body) as object) });
    if (req.url.endsWith("/friend")) return sendJson(res, 200, { id: "2", name: "friend" });
    sendJson(res, 200, { id: req.url.split("/")[2], name: "Ada" });
  });
  trestle = await createTestTrestle(schema(upstream.url), {
    limits: { maxDepth: 3, maxCost: 4 },
    context: (request, host) => {
      contexts.push({
        url: request.url,
        method: request.method,
        authorization: request.headers.get("authorization"),
        hasReq: host.req !== undefined,
      });
      if (request.headers.get("x-tenant") === "boom") throw new Error("context failed: secret db password hunter2");
      return { tenant: request.headers.get("x-tenant") ?? "none" };
    },
  });
  served = await serveWithUpgrade(trestle);
});
afterAll(async () => {
  await served?.close();
  await upstream?.close();
});
beforeEach(() => {
  upstream.requests.length = 0;
  contexts.length = 0;
});

const url = () => `${served.ws}/graphql`;

describe("queries and mutations over graphql-transport-ws", () => {
  it("a query and a mutation run, with the upstream called as over HTTP", async () => {
    const read = await runOnce(url(), `{ user(id: "7") { id name } }`);
    expect(read).toEqual({ results: [{ data: { user: { id: "7", name: "Ada" } } }] });
    const write = await runOnce(url(), `mutation { rename(id: "1", name: "Grace") { name } }`);
    expect(write.results).toEqual([{ data: { rename: { name: "Grace" } } }]);
    expect(upstream.requests.map((r) => `${r.method} ${r.url} ${r.body}`)).toEqual(["GET /users/7 ", 'PATCH /users/1 {"name": "Grace"}']);
  });

  it("W05: an over-deep query is refused with the code HTTP gives, before any upstream call", async () => {
    const deep = `{ user(id: "1") { friend { friend { friend { id } } } } }`;
    const overHttp = await query(trestle, deep);
    const overWs = await runOnce(url(), deep);
    expect(overHttp.errors?.[0]?.extensions?.["code"]).toBe("MAX_DEPTH_LIMIT");
    expect(errorsOf(overWs).map((e) => e.extensions?.["code"])).toEqual(["MAX_DEPTH_LIMIT"]);
    // The same errors, transport hints (`extensions.http`) stripped as over HTTP.
    expect(errorsOf(overWs)).toEqual(overHttp.errors);
    expect(overWs.results).toEqual([]);
    expect(upstream.requests).toEqual([]);
  });

  it("W05: a syntax error, an unknown field and a token flood get their HTTP codes; the socket keeps serving", async () => {
    const flood = `{ ${"user(id: 1) { id } ".repeat(800)} }`;
    const cases = [
      ["{ user(id: ", "GRAPHQL_PARSE_FAILED"],
      [`{ nope }`, "GRAPHQL_VALIDATION_FAILED"],
      [flood, "MAX_TOKENS_LIMIT"],
    ] as const;
    for (const [document, code] of cases) {
      const overHttp = await query(trestle, document);
      expect(overHttp.errors?.[0]?.extensions?.["code"], document.slice(0, 20)).toBe(code);
      const overWs = await runOnce(url(), document);
      expect(errorsOf(overWs)[0]?.extensions?.["code"], document.slice(0, 20)).toBe(code);
    }
    expect(upstream.requests).toEqual([]);
    expect((await runOnce(url(), `{ user(id: "2") { id } }`)).results).toEqual([{ data: { user: { id: "2" } } }]);
  });

  it("W05: an operation over maxCost is refused with COST_LIMIT, as over HTTP, before any upstream call", async () => {
    const costly = `{ a: user(id: "1") { id } b: user(id: "2") { id } c: user(id: "3") { id } d: user(id: "4") { id } e: user(id: "5") { id } }`;
    const overHttp = await query(trestle, costly);
    expect(overHttp.errors?.[0]?.extensions?.["code"]).toBe("COST_LIMIT");
    const overWs = await runOnce(url(), costly);
    expect(errorsOf(overWs).map((e) => e.extensions?.["code"])).toEqual(["COST_LIMIT"]);
    expect(errorsOf(overWs)).toEqual(overHttp.errors);
    expect(upstream.requests).toEqual([]);
  });

  it("W05: variables that do not coerce are BAD_USER_INPUT, as over HTTP, without suggestions", async () => {
    const document = `query ($id: ID!) { user(id: $id) { id } }`;
    for (const variables of [{}, { id: { nested: true } }, { id: null }]) {
      const overHttp = await query(trestle, document, variables);
      const overWs = await runOnce(url(), document, {}, variables);
      expect(overWs.results, JSON.stringify(variables)).toEqual([{ errors: overHttp.errors }]);
      expect(overHttp.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
    }
    expect(upstream.requests).toEqual([]);
  });

  it("W06: an upstream 500 is masked as over HTTP: its body never reaches the client", async () => {
    const overHttp = await query(trestle, `{ broken { id } }`);
    const overWs = await runOnce(url(), `{ broken { id } }`);
    expect(overWs.results).toHaveLength(1);
    expect(overWs.results[0]).toEqual({ data: overHttp.data, errors: overHttp.errors });
    expect(JSON.stringify(overWs)).not.toContain("db-7.internal");
    expect(errorsOf(overWs)[0]?.extensions?.["code"]).toBe("UPSTREAM_ERROR");
  });

  it("the app's context gets a POST Request for the GraphQL URL with the socket's headers, and host.req", async () => {
    const outcome = await runOnce(url(), `{ tenant }`, {
      headers: { "x-tenant": "acme" },
      connectionParams: { authorization: "Bearer p" },
    });
    expect(outcome.results).toEqual([{ data: { tenant: "acme" } }]);
    expect(contexts).toEqual([{ url: `${served.http}/graphql`, method: "POST", authorization: "Bearer p", hasReq: true }]);
  });

  it("W06: a context function that throws is a masked error for that operation, as over HTTP; the socket stays", async () => {
    const overHttp = await query(trestle, `{ tenant }`, {}, { "x-tenant": "boom" });
    const client = openClient(url(), { connectionParams: { "x-tenant": "boom" } });
    try {
      const overWs = await run(client, `{ tenant }`);
      expect(errorsOf(overWs)).toEqual(overHttp.errors);
      expect(JSON.stringify(overWs)).not.toContain("hunter2");
      expect(errorsOf(overWs)[0]?.extensions?.["code"]).toBe("INTERNAL_SERVER_ERROR");
      // The socket keeps answering (each operation builds its context anew, and fails again).
      expect(errorsOf(await run(client, `{ user(id: "4") { id } }`))).toEqual(overHttp.errors);
    } finally {
      await client.dispose();
    }
  });
});

describe("the upgrade path", () => {
  it("W11: only the GraphQL path is Trestle's: a host's own WebSocket server on the same node:http server keeps working", async () => {
    const hostTrestle = await createTestTrestle(schema(upstream.url), { context: () => ({ tenant: "host" }) });
    const server = createServer((req, res) => void hostTrestle.handle(req, res));
    const chat = new WebSocketServer({ noServer: true });
    chat.on("connection", (socket) => socket.on("message", (data) => socket.send(`echo: ${String(data)}`)));
    server.on("upgrade", (req, socket, head) => {
      if (req.url === "/chat") chat.handleUpgrade(req, socket, head, (ws) => chat.emit("connection", ws, req));
    });
    const host = await serveWithUpgrade(hostTrestle, server);
    try {
      const own = new WebSocket(`${host.ws}/chat`);
      await once(own, "open");
      own.send("hello");
      const [echoed] = (await once(own, "message")) as [Buffer];
      expect(String(echoed)).toBe("echo: hello");
      own.close();
      await once(own, "close");
      expect((await runOnce(`${host.ws}/graphql`, `{ user(id: "3") { id } }`)).results).toEqual([{ data: { user: { id: "3" } } }]);
    } finally {
      chat.close();
      await host.close();
    }
  });

  it("W11: with no other upgrade listener, an upgrade elsewhere is 404 (not a hung socket)", async () => {
    const answer = await tryUpgrade(`${served.ws}/elsewhere`);
    expect(answer).toEqual({ status: 404, body: "No WebSocket endpoint here: GraphQL over WebSocket is at /graphql\n" });
  });

  it("a client that asks for no subprotocol (or only the legacy graphql-ws one) is closed with 4406", async () => {
    const raw = await openRaw(url(), {}, []);
    expect(await raw.closed).toEqual({ code: 4406, reason: "Subprotocol not acceptable" });
  });
});
