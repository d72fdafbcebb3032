import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { query } from "../helpers/graphql.js";
import { graphqlRoutes, queryOver } from "../helpers/graphql-routes.js";
import { startFastApi, type FastApiUpstream } from "../helpers/start-fastapi.js";

// A real FastAPI app (test/fixtures/fastapi/app.py, FastAPI 0.92 + Pydantic v1, started with
// uvicorn) behind a hand-written schema: what its errors, its 204 and a grown enum become
// through GraphQL. `errors: { expose }` shows 4xx details; without it nothing changes.

let fastapi: FastApiUpstream;
let trestle: Trestle;
let quiet: Trestle;

const schema = (url: string, errors: string) => /* GraphQL */ `
  extend schema @upstream(name: "ml", baseUrl: "${url}", naming: SNAKE_CASE, retry: { attempts: 0 }, breaker: { failures: 0 } ${errors})
  enum Stage { Staging Production }
  type Model { name: String!, stage: Stage, ownerId: Int!, latestVersion: Int! }
  type Prediction { model: String!, scores: [Float!]!, labels: [Boolean!]! }
  type User { id: Int!, name: String! }
  input InstanceInput { values: [Float!]! }
  input PredictInput { instances: [InstanceInput!]!, threshold: Float }
  type Query {
    models(limit: Int): [Model!]! @rest(path: "/models?limit={args.limit}")
    model(name: String!): Model @rest(path: "/models/{args.name}")
    version(name: String!, version: Int!): Model @rest(path: "/models/{args.name}/versions/{args.version}")
    versionQuiet(name: String!, version: Int!): Model @rest(path: "/models/{args.name}/versions/{args.version}", errors: { expose: [] })
    me: User @rest(path: "/me", headers: [{ name: "authorization", from: "authorization" }])
  }
  type Mutation {
    predict(name: String!, input: PredictInput!): Prediction @rest(method: POST, path: "/models/{args.name}/predict", body: "{args.input}")
    deleteModel(name: String!): Boolean @rest(method: DELETE, path: "/models/{args.name}")
  }
`;

beforeAll(async () => {
  fastapi = await startFastApi({ EXTRA_STAGES: "Archived" });
  trestle = await createTestTrestle(schema(fastapi.url, ", errors: { expose: [422, 409, 403, 404] }"));
  quiet = await createTestTrestle(schema(fastapi.url, ""));
}, 30_000);
afterAll(async () => {
  await Promise.all([trestle?.close(), quiet?.close()]);
  await fastapi?.close();
});

const predict = /* GraphQL */ `
  mutation ($name: String!, $input: PredictInput!) {
    predict(name: $name, input: $input) {
      model
      scores
      labels
    }
  }
`;

/** A normal user, after whatever came before: still served. */
async function served(target = trestle) {
  const result = await query(target, `{ model(name: "fraud-xgb") { name stage latestVersion } }`);
  expect(result).toEqual({ status: 200, data: { model: { name: "fraud-xgb", stage: "Production", latestVersion: 3 } } });
}

describe("FastAPI's errors, shown as the schema allows", () => {
  it("a 422 from Pydantic v1 validation: details with loc, msg, type; the first msg in the message", async () => {
    const result = await query(trestle, predict, { name: "fraud-xgb", input: { instances: [{ values: [] }] } });
    expect(result.data).toEqual({ predict: null });
    expect(result.errors).toEqual([
      {
        message: 'Upstream "ml" answered 422: ensure this value has at least 1 items (at body.instances.0.values)',
        locations: [{ line: 3, column: 5 }],
        path: ["predict"],
        extensions: {
          code: "UPSTREAM_ERROR",
          upstream: "ml",
          status: 422,
          details: [
            {
              loc: ["body", "instances", 0, "values"],
              msg: "ensure this value has at least 1 items",
              type: "value_error.list.min_items",
              ctx: { limit_value: 1 },
            },
          ],
        },
      },
    ]);
    await served();
  });

  it("several validation errors at once are all listed", async () => {
    const result = await query(trestle, predict, { name: "fraud-xgb", input: { instances: [], threshold: 3 } });
    const details = result.errors?.[0]?.extensions?.["details"] as Array<{ loc: unknown[]; msg: string; type: string }>;
    expect(details.map((d) => [d.loc.join("."), d.type])).toEqual([
      ["body.instances", "value_error.list.min_items"],
      ["body.threshold", "value_error.number.not_le"],
    ]);
  });

  it("a 409 with an object detail keeps it as JSON", async () => {
    const result = await query(trestle, `{ version(name: "fraud-xgb", version: 9) { name } }`);
    expect(result.data).toEqual({ version: null });
    expect(result.errors?.[0]).toMatchObject({
      message: 'Upstream "ml" answered 409.',
      path: ["version"],
      extensions: { code: "UPSTREAM_ERROR", status: 409, upstream: "ml", details: { error: "version_not_found", latest: 3 } },
    });
  });

  it("a 403 tells 'Not authenticated' from 'Invalid token'", async () => {
    const anonymous = await query(trestle, `{ me { name } }`);
    const wrong = await query(trestle, `{ me { name } }`, {}, { authorization: "Bearer not-the-token" });
    const right = await query(trestle, `{ me { name } }`, {}, { authorization: "Bearer secret-token" });
    expect(anonymous.errors?.[0]).toMatchObject({
      message: 'Upstream "ml" answered 403: Not authenticated',
      extensions: { status: 403, details: "Not authenticated" },
    });
    expect(wrong.errors?.[0]).toMatchObject({
      message: 'Upstream "ml" answered 403: Invalid token',
      extensions: { details: "Invalid token" },
    });
    expect(right).toEqual({ status: 200, data: { me: { name: "Ada" } } });
  });

  it("a 5xx stays masked: no details, whatever expose says", async () => {
    // Scores of inf cannot be written as JSON: Starlette fails with a plain-text 500.
    const result = await query(trestle, predict, { name: "fraud-xgb", input: { instances: [{ values: [1e308, 1e308] }] } });
    expect(result.errors).toEqual([
      {
        message: 'Upstream "ml" answered 500.',
        locations: [{ line: 3, column: 5 }],
        path: ["predict"],
        extensions: { code: "UPSTREAM_ERROR", status: 500, upstream: "ml" },
      },
    ]);
    await served();
  });

  it("a field's errors: { expose: [] } turns the upstream's off", async () => {
    const result = await query(trestle, `{ versionQuiet(name: "fraud-xgb", version: 9) { name } }`);
    expect(result.errors?.[0]).toMatchObject({
      message: 'Upstream "ml" answered 409.',
      extensions: { code: "UPSTREAM_ERROR", status: 409, upstream: "ml" },
    });
    expect(result.errors?.[0]?.extensions).not.toHaveProperty("details");
  });

  it("without errors: nothing changes: status and code only", async () => {
    const invalid = await query(quiet, predict, { name: "fraud-xgb", input: { instances: [{ values: [] }] } });
    const conflict = await query(quiet, `{ version(name: "fraud-xgb", version: 9) { name } me { name } }`);
    expect(invalid.errors?.map((e) => [e.message, e.extensions])).toEqual([
      ['Upstream "ml" answered 422.', { code: "UPSTREAM_ERROR", status: 422, upstream: "ml" }],
    ]);
    const byPath = [...(conflict.errors ?? [])].sort((a, b) => String(a.path).localeCompare(String(b.path)));
    expect(byPath.map((e) => [e.message, e.extensions])).toEqual([
      ['Upstream "ml" answered 403.', { code: "UPSTREAM_ERROR", status: 403, upstream: "ml" }],
      ['Upstream "ml" answered 409.', { code: "UPSTREAM_ERROR", status: 409, upstream: "ml" }],
    ]);
    await served(quiet);
  });
});

describe("honest nulls", () => {
  it("a 404 answering a Mutation field is an error, with its details when 404 is exposed", async () => {
    const result = await query(trestle, predict, { name: "nope", input: { instances: [{ values: [0.5] }] } });
    expect(result.data).toEqual({ predict: null });
    expect(result.errors?.[0]).toMatchObject({
      message: 'Upstream "ml" answered 404: Model not found',
      path: ["predict"],
      extensions: { code: "UPSTREAM_ERROR", status: 404, upstream: "ml", details: "Model not found" },
    });
    const unexposed = await query(quiet, `mutation { deleteModel(name: "nope") }`);
    expect(unexposed.errors?.map((e) => [e.message, e.path, e.extensions])).toEqual([
      ['Upstream "ml" answered 404.', ["deleteModel"], { code: "UPSTREAM_ERROR", status: 404, upstream: "ml" }],
    ]);
  });

  it("a 404 answering a Query field is still null without an error", async () => {
    expect(await query(trestle, `{ model(name: "nope") { name } }`)).toEqual({ status: 200, data: { model: null } });
  });

  it("a 204 DELETE is true for a Boolean field; the model is gone after it", async () => {
    expect(await query(trestle, `mutation { deleteModel(name: "churn-rf") }`)).toEqual({ status: 200, data: { deleteModel: true } });
    const again = await query(trestle, `mutation { deleteModel(name: "churn-rf") }`);
    expect(again.errors?.[0]?.extensions).toMatchObject({ code: "UPSTREAM_ERROR", status: 404 });
    expect(await query(trestle, `{ model(name: "churn-rf") { name } }`)).toEqual({ status: 200, data: { model: null } });
  });
});

describe("an enum that grew upstream (stage Archived) fails that field only", () => {
  for (const route of graphqlRoutes) {
    const send = queryOver(route);
    it(`${route}: the Archived model's stage is null with UPSTREAM_BAD_RESPONSE; every other model is whole`, async () => {
      const result = await send(trestle, `{ models { name stage latestVersion } }`);
      expect(result.status).toBe(200);
      const models = result.data?.["models"] as Array<{ name: string; stage: string | null; latestVersion: number }>;
      const archived = models.findIndex((m) => m.name === "legacy-lr");
      expect(models[archived]).toEqual({ name: "legacy-lr", stage: null, latestVersion: 7 });
      expect(models.filter((m) => m.name !== "legacy-lr").every((m) => m.stage === "Production" || m.stage === "Staging")).toBe(true);
      expect(models.some((m) => m.name === "fraud-xgb")).toBe(true);
      expect(result.errors).toEqual([
        {
          message: 'Upstream "ml" answered stage "Archived", which enum Stage does not have.',
          locations: [{ line: 1, column: 17 }],
          path: ["models", archived, "stage"],
          extensions: { code: "UPSTREAM_BAD_RESPONSE", upstream: "ml" },
        },
      ]);
    });
  }
});
