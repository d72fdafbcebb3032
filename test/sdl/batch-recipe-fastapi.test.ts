import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatDiagnostic } from "../../src/index.js";
import { checkSchemaSources } from "../../src/sdl/check-schema.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { query } from "../helpers/graphql.js";
import { startFastApi, type FastApiUpstream } from "../helpers/start-fastapi.js";

// Issue 17: the docs' batch recipe against a real FastAPI app (test/fixtures/fastapi/app.py),
// whose `GET /users?ids=…` takes `ids: List[int] = Query(...)`: it needs the repeated form
// `{keys*}` (ids=1&ids=2); the comma form `{keys}` sends one value "1,2", which it refuses.

const schema = (url: string, owner: string) => `extend schema @upstream(name: "ml", baseUrl: "${url}", naming: SNAKE_CASE)
type Query { listModels: [Model!] @rest(path: "/models") }
type Model { name: String! ownerId: Int owner: User ${owner} }
type User { id: Int! name: String }
`;

let fastapi: FastApiUpstream;

beforeAll(async () => {
  fastapi = await startFastApi();
});
afterAll(() => fastapi.close());

describe("the batch recipe against FastAPI's List[int] = Query()", () => {
  const read = `{ listModels { name owner { name } } }`;

  it("{keys*} repeats the parameter: one call answers every parent", async () => {
    const trestle = await createTestTrestle(
      schema(fastapi.url, `@rest(path: "/users/{parent.owner_id}", batch: { path: "/users?ids={keys*}", key: "id" })`),
      { debug: true },
    );
    try {
      const result = await query(trestle, read);
      expect(result.data).toEqual({
        listModels: [
          { name: "fraud-xgb", owner: { name: "Ada" } },
          { name: "churn-rf", owner: { name: "Grace" } },
        ],
      });
      const calls = (result.extensions?.["trestle"] as { upstreamCalls: Array<{ path: string }> }).upstreamCalls.map((c) => c.path);
      expect(calls).toEqual(["/models", "/users?ids=1&ids=2"]);
    } finally {
      await trestle.close();
    }
  });

  it("{keys} joins them with commas, which FastAPI answers with 422: each owner is an error, the models still resolve", async () => {
    const trestle = await createTestTrestle(
      schema(fastapi.url, `@rest(path: "/users/{parent.owner_id}", batch: { path: "/users?ids={keys}", key: "id" })`),
    );
    try {
      const result = await query(trestle, read);
      expect(result.data).toEqual({
        listModels: [
          { name: "fraud-xgb", owner: null },
          { name: "churn-rf", owner: null },
        ],
      });
      expect(result.errors?.map((e) => [e.path?.join("."), e.extensions?.["code"], e.extensions?.["status"]])).toEqual([
        ["listModels.0.owner", "UPSTREAM_ERROR", 422],
        ["listModels.1.owner", "UPSTREAM_ERROR", 422],
      ]);
    } finally {
      await trestle.close();
    }
  });

  it("{parent.ownerId} (the GraphQL name, not the key) is what `check` now warns about", () => {
    const sdl = schema(fastapi.url, `@rest(path: "/users/{parent.ownerId}", batch: { path: "/users?ids={keys*}", key: "id" })`);
    expect(checkSchemaSources([{ name: "s.graphql", body: sdl }], {}).map(formatDiagnostic)).toEqual([
      's.graphql:3:73: warning: {parent.ownerId} reads the upstream key "ownerId", but field Model.ownerId reads "owner_id" (naming: SNAKE_CASE); write {parent.owner_id}',
    ]);
  });
});
