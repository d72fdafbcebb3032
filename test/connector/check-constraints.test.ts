import { buildSchema } from "graphql";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { addConstraintChecks } from "../../src/connector/check-constraints.js";
import type { Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { query } from "../helpers/graphql.js";
import { sendJson, startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";

// @constraint at run time (src/connector/check-constraints.ts): values are checked against the
// schema's bounds before any upstream call; a violation is BAD_USER_INPUT naming the argument
// path and the bound, the upstream sees nothing, and the next good request is served.

let upstream: TestUpstream;
let trestle: Trestle;

const schema = (baseUrl: string) => /* GraphQL */ `
  extend schema @upstream(name: "ml", baseUrl: "${baseUrl}")
  type Query {
    models(limit: Int = 10 @constraint(min: 1, max: 100)): [Model] @rest(path: "/models?limit={args.limit}")
    search(q: String! @constraint(minLength: 2, maxLength: 64, pattern: "^[a-z0-9-]+$")): [Model] @rest(path: "/search?q={args.q}")
    tagged(tags: [String!] @constraint(minItems: 1, maxItems: 3, maxLength: 8)): [Model] @rest(path: "/tagged?tag={args.tags}")
    above(x: Float! @constraint(exclusiveMin: 0, exclusiveMax: 1)): [Model] @rest(path: "/above?x={args.x}")
    owner(id: Int!): Model
      @rest(path: "/users/{args.id}", batch: { path: "/users?ids={keys*}", key: "id" })
  }
  type Mutation {
    predict(input: PredictInput!): Prediction @rest(method: POST, path: "/predict", body: "{args.input}")
  }
  type Model { name: String }
  type Prediction { scores: [Float] }
  input PredictInput {
    instances: [Instance!]! @constraint(minItems: 1, maxItems: 1000)
    threshold: Float = 0.5 @constraint(min: 0, max: 1)
  }
  input Instance { values: [Float!]! @constraint(minItems: 1) }
`;

beforeAll(async () => {
  upstream = await startTestUpstream((req, res) => {
    if (req.url.startsWith("/predict")) return sendJson(res, 200, { scores: [0.5] });
    sendJson(res, 200, [{ name: "fraud-xgb" }]);
  });
  trestle = await createTestTrestle(schema(upstream.url));
});
afterAll(async () => {
  await trestle.close();
  await upstream.close();
});
afterEach(() => {
  upstream.requests.length = 0;
});

async function expectRefused(document: string, variables: Record<string, unknown>, message: string | RegExp) {
  upstream.requests.length = 0;
  const result = await query(trestle, document, variables);
  if (typeof message === "string") expect(result.errors?.[0]?.message).toBe(message);
  else expect(result.errors?.[0]?.message).toMatch(message);
  expect(result.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
  expect(upstream.requests).toEqual([]);
  // A normal caller is served right after.
  const ok = await query(trestle, "{ models(limit: 5) { name } }");
  expect(ok.data).toEqual({ models: [{ name: "fraud-xgb" }] });
  expect(upstream.requests.map((r) => r.url)).toEqual(["/models?limit=5"]);
}

describe("@constraint checks before the call", () => {
  it("refuses a number above max, inline or in a variable, naming the bound and the value", async () => {
    await expectRefused("{ models(limit: 500) { name } }", {}, "limit must be at most 100 (received 500)");
    await expectRefused("query($n: Int) { models(limit: $n) { name } }", { n: 0 }, "limit must be at least 1 (received 0)");
    await expectRefused(
      "query($n: Int) { models(limit: $n) { name } }",
      { n: -2147483648 },
      "limit must be at least 1 (received -2147483648)",
    );
  });

  it("lets the bounds themselves, the default and null through", async () => {
    for (const limit of ["1", "100", "null"]) {
      const result = await query(trestle, `{ models(limit: ${limit}) { name } }`);
      expect(result.errors).toBeUndefined();
    }
    await query(trestle, "{ models { name } }");
    expect(upstream.requests.map((r) => r.url)).toEqual(["/models?limit=1", "/models?limit=100", "/models", "/models?limit=10"]);
  });

  it("treats exclusive bounds as exclusive, -0 included", async () => {
    await expectRefused("{ above(x: 0) { name } }", {}, "x must be more than 0 (received 0)");
    await expectRefused("{ above(x: -0.0) { name } }", {}, /^x must be more than 0 \(received -?0\)$/);
    await expectRefused("query($x: Float!) { above(x: $x) { name } }", { x: 1 }, "x must be less than 1 (received 1)");
    expect((await query(trestle, "{ above(x: 0.999) { name } }")).errors).toBeUndefined();
  });

  it("checks string length in Unicode characters and the pattern", async () => {
    await expectRefused('{ search(q: "a") { name } }', {}, "q must be at least 2 characters long (received 1 characters)");
    await expectRefused('{ search(q: "Fraud") { name } }', {}, 'q must match the pattern ^[a-z0-9-]+$ (received "Fraud")');
    await expectRefused('{ search(q: "ab\\nc") { name } }', {}, 'q must match the pattern ^[a-z0-9-]+$ (received "ab\\nc")');
    // Two astral characters are two characters (four UTF-16 units): too short, not long enough by units.
    await expectRefused('{ search(q: "😀") { name } }', {}, "q must be at least 2 characters long (received 1 characters)");
    expect((await query(trestle, '{ search(q: "fraud-xgb") { name } }')).errors).toBeUndefined();
  });

  it("refuses a 1 MB string before any pattern runs", async () => {
    const huge = "a".repeat(1024 * 1024 - 100);
    await expectRefused(
      "query($q: String!) { search(q: $q) { name } }",
      { q: huge },
      `q must be at most 64 characters long (received ${huge.length} characters)`,
    );
  });

  it("bounds the list and each of its items", async () => {
    await expectRefused("{ tagged(tags: []) { name } }", {}, "tags must have at least 1 item (received 0)");
    await expectRefused('{ tagged(tags: ["a", "b", "c", "d"]) { name } }', {}, "tags must have at most 3 items (received 4)");
    await expectRefused(
      '{ tagged(tags: ["a", "much-too-long"]) { name } }',
      {},
      "tags[1] must be at most 8 characters long (received 13 characters)",
    );
    // A single value is coerced to a one-item list, and checked as one.
    expect((await query(trestle, '{ tagged(tags: "ok") { name } }')).errors).toBeUndefined();
  });

  it("checks nested input fields and list items, naming the path", async () => {
    const predict = "mutation($input: PredictInput!) { predict(input: $input) { scores } }";
    await expectRefused(predict, { input: { instances: [] } }, "input.instances must have at least 1 item (received 0)");
    await expectRefused(
      predict,
      { input: { instances: [{ values: [1] }, { values: [] }] } },
      "input.instances[1].values must have at least 1 item (received 0)",
    );
    await expectRefused(
      predict,
      { input: { instances: [{ values: [1] }], threshold: 1.5 } },
      "input.threshold must be at most 1 (received 1.5)",
    );
    const ok = await query(trestle, predict, { input: { instances: [{ values: [0.2, 0.8] }], threshold: 0.3 } });
    expect(ok.data).toEqual({ predict: { scores: [0.5] } });
  });

  it("refuses a 100,000-item list by its count", async () => {
    const tags = Array.from({ length: 100_000 }, () => "a");
    await expectRefused(
      "query($tags: [String!]) { tagged(tags: $tags) { name } }",
      { tags },
      "tags must have at most 3 items (received 100000)",
    );
  });
});

describe("@constraint compiled once per field", () => {
  it("follows recursive input types, naming the path, and leaves unconstrained and non-@rest fields' resolvers as they are", () => {
    const schema = buildSchema(/* GraphQL */ `
      type Query {
        filter(where: Filter): Int
        plain(where: Plain): Int
      }
      input Filter {
        name: String
        and: [Filter!]
      }
      input Plain {
        name: String
        and: [Plain!]
      }
    `);
    const inner = () => 1;
    const resolvers: Record<string, Record<string, unknown>> = { Query: { filter: inner, plain: inner } };
    const constraints = { arguments: new Map(), inputFields: new Map([["Filter", new Map([["name", { maxLength: 10 }]])]]) };
    // A field without @rest calls no upstream: its resolver (a key read, an enum check) is left alone.
    const notRest: Record<string, Record<string, unknown>> = { Query: { filter: inner } };
    addConstraintChecks(notRest, constraints, schema, new Set());
    expect(notRest["Query"]!["filter"]).toBe(inner);

    addConstraintChecks(resolvers, constraints, schema, new Set(["Query.filter", "Query.plain"]));
    expect(resolvers["Query"]!["plain"]).toBe(inner);
    const filter = resolvers["Query"]!["filter"] as (parent: unknown, args: Record<string, unknown>) => unknown;
    expect(() => filter(undefined, { where: { and: [{ name: "ok" }, { and: [{ name: "far-too-long-name" }] }] } })).toThrow(
      "where.and[1].and[0].name must be at most 10 characters long (received 17 characters)",
    );
    expect(filter(undefined, { where: { and: [{ name: "ok", and: [{ name: "fine" }] }] } })).toBe(1);
  });
});
