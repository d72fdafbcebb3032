import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { graphqlRoutes, queryOver } from "../helpers/graphql-routes.js";
import { sendJson, startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";

// Case ids (U01…) are those of docs/threat-model.md.
let upstream: TestUpstream;
let trestle: Trestle;

beforeAll(async () => {
  upstream = await startTestUpstream((req, res) => {
    if (req.url === "/api/v1/owners/1") return sendJson(res, 200, { id: "1", manager_id: "team/x?y" });
    if (req.url === "/api/v1/owners/2") return sendJson(res, 200, { id: "2", manager_id: ".." });
    sendJson(res, 200, { url: req.url });
  });
  trestle = await createTestTrestle(/* GraphQL */ `
    extend schema @upstream(name: "api", baseUrl: "${upstream.url}/api/v1")
    type Query {
      order(id: String!, status: String): Target @rest(path: "/users/{args.id}/orders?status={args.status}")
      first(id: String!): Target @rest(path: "/{args.id}")
      owner(id: String!): Owner @rest(path: "/owners/{args.id}")
    }
    type Owner { id: String, manager: Target @rest(path: "/users/{parent.manager_id}") }
    type Target { url: String }
  `);
});
afterAll(async () => {
  await trestle.close();
  await upstream.close();
});
beforeEach(() => {
  upstream.requests.length = 0;
});

const received = () => upstream.requests.map((r) => r.url);

// Every case runs over POST and GET, through trestle.fetch and trestle.handle.
describe.each(graphqlRoutes)("path variables are one encoded segment over %s", (route) => {
  const query = queryOver(route);

  it.each([
    ["U01", "a/b", "/api/v1/users/a%2Fb/orders"],
    ["U01", "a/..b", "/api/v1/users/a%2F..b/orders"],
    ["U04", "x?y=1#z", "/api/v1/users/x%3Fy%3D1%23z/orders"],
    ["U07", "a\\b", "/api/v1/users/a%5Cb/orders"],
    ["U10", "%C0%AE", "/api/v1/users/%25C0%25AE/orders"],
    ["U10", "a\u202eb", "/api/v1/users/a%E2%80%AEb/orders"],
  ])("%s: %j reaches the upstream as %s", async (_id, value, expected) => {
    const result = await query(trestle, `query($id: String!) { order(id: $id) { url } }`, { id: value });
    expect(result.errors).toBeUndefined();
    expect(received()).toEqual([expected]);
  });

  it.each([
    ["U02", ""],
    ["U02", "."],
    ["U02", ".."],
    ["U05", "1\n2"],
    ["U05", "1\t2"],
    ["U05", "1\r\nX: y"],
    ["U05", "a\u0000b"],
    // S09: the passthrough route's rule (test/passthrough/path-values.test.ts has both routes).
    ["U01", "../admin"],
    ["U02", "%2e%2e"],
    ["U02", ".%2e"],
    ["U03", "%2F..%2Fadmin"],
    ["U07", "..\\admin"],
    ["U10", "．．"],
  ])("%s: %j is refused with BAD_USER_INPUT and no upstream call", async (_id, value) => {
    const result = await query(trestle, `query($id: String!) { order(id: $id) { url } }`, { id: value });
    expect(result.data).toEqual({ order: null });
    expect(result.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
    expect(result.errors?.[0]?.message).toContain("{args.id}");
    expect(received()).toEqual([]);
  });

  it.each([
    ["U06", "//evil.example/x", "/api/v1/%2F%2Fevil.example%2Fx"],
    ["U06", "http://169.254.169.254/", "/api/v1/http%3A%2F%2F169.254.169.254%2F"],
  ])("%s: %j as the first segment stays on the upstream's origin and base path", async (_id, value, expected) => {
    const result = await query(trestle, `query($id: String!) { first(id: $id) { url } }`, { id: value });
    expect(result.errors).toBeUndefined();
    expect(received()).toEqual([expected]);
  });

  it("U08: query values are encoded as one literal parameter", async () => {
    await query(trestle, `{ a: order(id: "1", status: "open&role=admin") { url } }`);
    await query(trestle, `{ b: order(id: "1", status: "a=b;c") { url } }`);
    expect(received()).toEqual(["/api/v1/users/1/orders?status=open%26role%3Dadmin", "/api/v1/users/1/orders?status=a%3Db%3Bc"]);
  });

  it("U09: a value from an upstream answer is untrusted input too", async () => {
    const encoded = await query(trestle, `{ owner(id: "1") { manager { url } } }`);
    expect(encoded.errors).toBeUndefined();
    expect(received()).toEqual(["/api/v1/owners/1", "/api/v1/users/team%2Fx%3Fy"]);
    upstream.requests.length = 0;
    const refused = await query(trestle, `{ owner(id: "2") { id manager { url } } }`);
    expect(refused.data).toEqual({ owner: { id: "2", manager: null } });
    expect(refused.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
    expect(refused.errors?.[0]?.message).toContain("a value from the upstream answer");
    expect(received()).toEqual(["/api/v1/owners/2"]);
  });

  it("U11: a 10,000-character value is refused before any call", async () => {
    const result = await query(trestle, `query($id: String!) { order(id: $id) { url } }`, { id: "x".repeat(10_000) });
    expect(result.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
    expect(result.errors?.[0]?.message).toContain("limit is 8000");
    expect(received()).toEqual([]);
  });
});
