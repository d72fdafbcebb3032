import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runImportOpenApi } from "../../src/cli/import-openapi-command.js";
import type { Trestle } from "../../src/index.js";
import { checkSchemaSources } from "../../src/sdl/check-schema.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { startFastApi, type FastApiUpstream } from "../helpers/start-fastapi.js";
import { query } from "../helpers/graphql.js";
import { startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";
import { block, flat } from "./build-imported-schema.js";

// The importer against a real FastAPI app (test/fixtures/fastapi/app.py: FastAPI 0.92, Pydantic
// v1): `trestle import openapi http://127.0.0.1:PORT/openapi.json --upstream ml` over loopback,
// the SDL text it writes, `trestle check` on it, and the output served against the same app,
// through a recording proxy that shows which calls reached it.

let app: FastApiUpstream;
let proxy: TestUpstream;
let sdl: string;
let openSdl: string;

async function runImport(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await runImportOpenApi(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd: process.cwd(), env: {} });
  return { code, stdout, stderr };
}

beforeAll(async () => {
  app = await startFastApi();
  // Forwards every request to the app as it came, and records it.
  proxy = await startTestUpstream(async (req, res) => {
    const answer = await fetch(`${app.url}${req.url}`, {
      method: req.method,
      headers: Object.fromEntries(
        Object.entries(req.headers).filter(([name]) => ["content-type", "accept", "authorization"].includes(name)),
      ) as Record<string, string>,
      ...(req.body === "" ? {} : { body: req.body }),
    });
    res.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "application/json" });
    res.end(Buffer.from(await answer.arrayBuffer()));
  });
  const imported = await runImport(`${app.url}/openapi.json`, "--upstream", "ml");
  expect(imported.stderr).toBe("imported 11 operations, skipped 0\n");
  expect(imported.code).toBe(0);
  sdl = imported.stdout;
  const open = await runImport(`${app.url}/openapi.json`, "--upstream", "ml", "--enums", "string");
  expect(open.code).toBe(0);
  openSdl = open.stdout;
}, 60_000);

afterAll(async () => {
  await proxy?.close();
  await app?.close();
});

describe("importing a FastAPI app's /openapi.json", () => {
  it("lets FastAPI's 422 details through: errors: { expose: [422] } on the @upstream", () => {
    expect(flat(sdl)).toContain(
      flat(
        `@upstream(name: "ml" baseUrl: "{env.ML_URL:-${app.url}}" naming: SNAKE_CASE headers: [{ name: "authorization", from: "authorization" }] errors: { expose: [422] })`,
      ),
    );
  });

  it("types the 204 DELETE Boolean (true on success), not JSON", () => {
    expect(flat(sdl)).toContain(
      flat(
        '"""Answers 204 with no content: true when the call succeeds.""" deleteModel(name: String!): Boolean @rest(upstream: "ml", method: DELETE, path: "/models/{args.name}")',
      ),
    );
  });

  it("keeps enum answers nullable (a stage added upstream nulls that field only), without Pydantic's 'An enumeration.'", () => {
    expect(block(sdl, "type Model")).toBe("type Model {\n  name: String!\n  stage: Stage\n  ownerId: Int!\n  latestVersion: Int!\n}");
    expect(block(sdl, "enum Stage")).toBe("enum Stage {\n  Staging\n  Production\n}");
    expect(sdl).not.toContain("An enumeration");
    // FastAPI's summaries only repeat the function's name ("List Models" on listModels).
    expect(sdl).not.toContain('"""List Models"""');
  });

  it("writes the constraints as @constraint and in words: le/ge on limit, min_length on q, min_items, confloat(0..1)", () => {
    expect(flat(block(sdl, "type Query"))).toContain(
      flat('listModels("""1 ≤ limit ≤ 100.""" limit: Int = 10 @constraint(min: 1, max: 100)): [Model!]'),
    );
    expect(flat(block(sdl, "type Query"))).toContain(
      flat('search("""At least 2 characters.""" q: String! @constraint(minLength: 2)): [Model!]'),
    );
    expect(block(sdl, "input PredictRequestInput")).toBe(
      [
        "input PredictRequestInput {",
        '  """At least 1 item."""',
        "  instances: [InstanceInput!]! @constraint(minItems: 1)",
        "",
        '  """0 ≤ threshold ≤ 1."""',
        "  threshold: Float @constraint(min: 0, max: 1)",
        "}",
      ].join("\n"),
    );
    expect(flat(block(sdl, "input InstanceInput"))).toContain(flat("values: [Float!]! @constraint(minItems: 1)"));
  });

  it("suggests {keys*} for the batch endpoint whose ids FastAPI takes as a repeated parameter", () => {
    expect(sdl).toContain(
      '  # batch endpoint: a field keyed by its parent can use @rest(…, batch: { path: "/users?ids={keys*}", key: "id" })\n  listUsers(ids: [Int!]!): [User!]',
    );
  });

  it("with --enums string, types the stage String and lists its values", () => {
    expect(block(openSdl, "type Model")).toBe(
      'type Model {\n  name: String!\n\n  """One of: `Staging`, `Production`."""\n  stage: String!\n\n  ownerId: Int!\n  latestVersion: Int!\n}',
    );
    expect(openSdl).not.toContain("enum Stage");
  });

  it("passes trestle check, both ways", () => {
    for (const body of [sdl, openSdl]) {
      const errors = checkSchemaSources([{ name: "ml.graphql", body }], { ML_URL: app.url }).filter((d) => d.severity === "error");
      expect(errors).toEqual([]);
    }
  });
});

describe("the imported schema, served against the app", () => {
  let trestle: Trestle;
  beforeAll(async () => {
    trestle = await createTestTrestle(sdl, { env: { ML_URL: proxy.url } });
  });
  afterAll(async () => {
    await trestle?.close();
  });

  it("answers a query from the app", async () => {
    proxy.requests.length = 0;
    const result = await query(trestle, "{ listModels(limit: 5) { name stage ownerId latestVersion } }");
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({
      listModels: [
        { name: "fraud-xgb", stage: "Production", ownerId: 1, latestVersion: 3 },
        { name: "churn-rf", stage: "Staging", ownerId: 2, latestVersion: 1 },
      ],
    });
    expect(proxy.requests.map((r) => r.url)).toEqual(["/models?limit=5"]);
  });

  it("refuses limit: 500 with BAD_USER_INPUT naming the bound, and the app sees no request; the next caller is served", async () => {
    proxy.requests.length = 0;
    const refused = await query(trestle, "{ listModels(limit: 500) { name } }");
    expect(refused.data).toEqual({ listModels: null });
    expect(refused.errors?.[0]?.message).toBe("limit must be at most 100 (received 500)");
    expect(refused.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
    const badPredict = await query(trestle, 'mutation { predict(name: "fraud-xgb", input: { instances: [{ values: [] }] }) { scores } }');
    expect(badPredict.errors?.[0]?.message).toBe("input.instances[0].values must have at least 1 item (received 0)");
    const shortQ = await query(trestle, '{ search(q: "f") { name } }');
    expect(shortQ.errors?.[0]?.message).toBe("q must be at least 2 characters long (received 1 characters)");
    expect(proxy.requests).toEqual([]);

    const ok = await query(
      trestle,
      'mutation { predict(name: "fraud-xgb", input: { instances: [{ values: [0.2, 0.8] }], threshold: 0.4 }) { scores labels } }',
    );
    expect(ok.data).toEqual({ predict: { scores: [0.5], labels: [true] } });
    expect(proxy.requests.map((r) => r.url)).toEqual(["/models/fraud-xgb/predict"]);
  });
});
