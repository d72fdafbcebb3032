import { createServer } from "node:http";
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDemoUpstream, type DemoUpstream } from "../../src/demo/demo-upstream.js";
import { trestleExpress, type Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { sendJson, startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";
import { createDemoTrestle, listen } from "./demo-trestle.js";

let demo: DemoUpstream;
let items: TestUpstream;
let a: Trestle;
let b: Trestle;
let app: { url: string; close(): Promise<void> };

const post = (path: string, query: string) =>
  fetch(`${app.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/graphql-response+json" },
    body: JSON.stringify({ query }),
  }).then(async (r) => ({ status: r.status, body: await r.json() }));

beforeAll(async () => {
  demo = await startDemoUpstream();
  items = await startTestUpstream((req, res) => sendJson(res, 200, { id: req.url, user: req.headers["x-user"] ?? null }));
  // Two instances, two schemas, two prefixes, each with its own context and hook, in one app.
  a = await createDemoTrestle(demo.url, () => ({ userId: "from-a" }));
  b = await createTestTrestle(
    `extend schema @upstream(name: "items", baseUrl: "${items.url}", headers: [{ name: "x-user", value: "{context.user}" }])
     type Query { item: Item @rest(path: "/item") }
     type Item { id: String user: String }`,
    { prefix: "/b", context: () => ({ user: "from-b" }), onUpstreamRequest: ({ headers }) => headers.set("x-instance", "b") },
  );
  const host = express();
  host.use(trestleExpress(a));
  host.use(trestleExpress(b));
  const server = createServer(host);
  const first = await listen(server, a);
  app = { url: first.url, close: async () => Promise.all([first.close(), b.close()]).then(() => undefined) };
});
afterAll(async () => {
  await app.close();
  await Promise.all([demo.close(), items.close()]);
});

describe("two Trestle instances in one process", () => {
  it("each answers with its own schema, context and hook, concurrently", async () => {
    const [fromA, fromB] = await Promise.all([
      post("/bff/graphql", `{ model(name: "fraud-xgb") { name } }`),
      post("/b/graphql", `{ item { id user } }`),
    ]);
    expect(fromA).toEqual({ status: 200, body: { data: { model: { name: "fraud-xgb" } } } });
    expect(fromB).toEqual({ status: 200, body: { data: { item: { id: "/item", user: "from-b" } } } });
    expect(demo.requests.map((r) => [r.url, r.headers["x-user-id"], r.headers["x-instance"]])).toEqual([
      ["/models/fraud-xgb", "from-a", undefined],
    ]);
    expect(items.requests.map((r) => r.headers["x-instance"])).toEqual(["b"]);
  });

  it("shares no schema: a field of one is unknown to the other", async () => {
    const wrong = await post("/bff/graphql", `{ item { id } }`);
    expect(wrong.status).toBe(400);
    expect(wrong.body.errors[0].message).toMatch(/^Cannot query field "item" on type "Query"\./);
    expect(Object.keys(a.schema.getQueryType()?.getFields() ?? {})).not.toContain("item");
    expect(Object.keys(b.schema.getQueryType()?.getFields() ?? {})).toEqual(["item"]);
  });

  it("closing one leaves the other serving", async () => {
    const other = await createTestTrestle(
      `extend schema @upstream(name: "items", baseUrl: "${items.url}") type Query { item: Item @rest(path: "/item") } type Item { id: String }`,
    );
    await other.close();
    expect((await a.fetch(new Request("http://t.test/bff/readyz"))).status).toBe(200);
    expect((await post("/b/graphql", `{ item { id } }`)).body).toEqual({ data: { item: { id: "/item" } } });
  });
});
