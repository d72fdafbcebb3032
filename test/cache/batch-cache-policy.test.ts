import { afterAll, beforeAll, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { query } from "../helpers/graphql.js";
import { sendJson, startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";

// Two fields on one batch endpoint with different @cache: their keys must not be fetched (and
// stored) together, or one field's answers would live under the other's scope.
let upstream: TestUpstream;
let trestle: Trestle;

beforeAll(async () => {
  upstream = await startTestUpstream((req, res) => {
    const ids = new URL(req.url, "http://upstream").searchParams.get("ids")?.split(",") ?? [];
    sendJson(
      res,
      200,
      ids.map((id) => ({ id, seenAuth: req.headers["authorization"] ?? null })),
      { "cache-control": "max-age=60" },
    );
  });
  trestle = await createTestTrestle(/* GraphQL */ `
    extend schema @upstream(name: "api", baseUrl: "${upstream.url}", headers: [{ name: "authorization", from: "authorization" }])
    type Query {
      catalog(ids: [ID!]!): [Item] @rest(path: "/items/{args.ids}", batch: { path: "/items?ids={keys}", key: "id" }) @cache(scope: PUBLIC, maxAge: 60)
      mine(ids: [ID!]!): [Item] @rest(path: "/items/{args.ids}", batch: { path: "/items?ids={keys}", key: "id" }) @cache(maxAge: 60)
      alsoMine(ids: [ID!]!): [Item] @rest(path: "/items/{args.ids}", batch: { path: "/items?ids={keys}", key: "id" }) @cache(maxAge: 60)
    }
    type Item { id: ID, seenAuth: String }
  `);
});
afterAll(async () => {
  await trestle.close();
  await upstream.close();
});

const document = `{ catalog(ids: ["1"]) { id seenAuth } mine(ids: ["2"]) { id seenAuth } alsoMine(ids: ["3"]) { id seenAuth } }`;

it("a PUBLIC field's batch is sent apart from a per-user one; fields with the same @cache still share one call", async () => {
  const a = await query(trestle, document, {}, { authorization: "Bearer A" });
  expect(a.data).toEqual({
    catalog: [{ id: "1", seenAuth: "Bearer A" }],
    mine: [{ id: "2", seenAuth: "Bearer A" }],
    alsoMine: [{ id: "3", seenAuth: "Bearer A" }],
  });
  expect(upstream.requests.map((r) => r.url).sort()).toEqual(["/items?ids=1", "/items?ids=2,3"]);

  // Another user: the PUBLIC answer is shared, as declared; the per-user ones are fetched with B's credentials.
  const b = await query(trestle, document, {}, { authorization: "Bearer B" });
  expect(b.data).toEqual({
    catalog: [{ id: "1", seenAuth: "Bearer A" }],
    mine: [{ id: "2", seenAuth: "Bearer B" }],
    alsoMine: [{ id: "3", seenAuth: "Bearer B" }],
  });
  expect(upstream.requests).toHaveLength(3);
});
