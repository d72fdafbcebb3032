import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFastApi, type FastApiUpstream } from "../helpers/start-fastapi.js";

// Issue 17's journey, as docs/openapi-import.md walks it, with the CLI a user runs: import a
// real FastAPI app's /openapi.json into a folder, add an overlay file beside the generated one
// (passthrough, a link with {keys*}, @cache on a generated field), check, serve, and see an
// upstream error with its details. Then import again: the overlay still applies.

const run = promisify(execFile);
const cli = (...args: string[]) => run(process.execPath, ["bin/trestle.js", ...args], { env: { ...process.env, NODE_ENV: "test" } });

const overlay = /* GraphQL */ `
  # Ours: a re-import never touches this file.
  extend schema @upstream(name: "ml", passthrough: { methods: [GET], paths: ["/models/**"] }, errors: { expose: [409] })

  extend type Query {
    getModel(name: String!): Model @cache(maxAge: 30)
  }

  extend type Model {
    owner: User @rest(upstream: "ml", path: "/users?ids={parent.owner_id}", batch: { path: "/users?ids={keys*}", key: "id" })
  }
`;

let app: FastApiUpstream;
let dir: string;
let serve: ChildProcess | undefined;
let url: string;

async function startServe(): Promise<string> {
  const child = spawn(process.execPath, ["bin/trestle.js", "serve", "--schema", dir, "--port", "0", "--debug"], {
    env: { ...process.env, ML_URL: app.url, NODE_ENV: "test" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  serve = child;
  let output = "";
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return new Promise<string>((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match = /at (\S+\/graphql)/.exec(output);
      if (match?.[1]) resolve(match[1]);
    });
    child.once("exit", (code) => reject(new Error(`serve exited with ${code}: ${output}`)));
  });
}

async function graphql(query: string, variables?: Record<string, unknown>) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  return {
    status: response.status,
    body: (await response.json()) as { data?: Record<string, unknown>; errors?: Array<Record<string, any>>; extensions?: any },
  };
}

beforeAll(async () => {
  app = await startFastApi();
  dir = await mkdtemp(join(tmpdir(), "trestle-fastapi-"));
});
afterAll(async () => {
  serve?.kill("SIGTERM");
  await app.close();
  await rm(dir, { recursive: true, force: true });
});

describe("a FastAPI service, end to end with the CLI", () => {
  it("imports, takes an overlay, checks, serves", async () => {
    const imported = await cli("import", "openapi", `${app.url}/openapi.json`, "--upstream", "ml", "-o", join(dir, "ml.graphql"));
    expect(imported.stderr).toContain("imported 11 operations, skipped 0");
    const generated = await readFile(join(dir, "ml.graphql"), "utf8");
    expect(generated).toContain("errors: { expose: [422] }");
    await writeFile(join(dir, "ml-overlay.graphql"), overlay);

    const checked = await cli("check", "--schema", dir);
    expect(checked.stdout).toMatch(/2 files checked: 0 errors/);
    url = await startServe();
  });

  it("answers a query with the overlay's link batched through {keys*}", async () => {
    const { body } = await graphql("{ listModels { name stage owner { name } } }");
    expect(body.data).toEqual({
      listModels: [
        { name: "fraud-xgb", stage: "Production", owner: { name: "Ada" } },
        { name: "churn-rf", stage: "Staging", owner: { name: "Grace" } },
      ],
    });
    const paths = (body.extensions.trestle.upstreamCalls as Array<{ path: string }>).map((call) => call.path);
    expect(paths).toEqual(["/models?limit=10", "/users?ids=1&ids=2"]);
  });

  it("the overlay's @cache applies to the generated field: the second read makes no call", async () => {
    const first = await graphql('{ getModel(name: "fraud-xgb") { name latestVersion } }');
    const second = await graphql('{ getModel(name: "fraud-xgb") { name latestVersion } }');
    expect(first.body.data).toEqual({ getModel: { name: "fraud-xgb", latestVersion: 3 } });
    expect(second.body.data).toEqual(first.body.data);
    // Answered whole by the result cache (docs/result-cache.md): kept because the overlay's @cache made its one read cacheable.
    expect(second.body.extensions.trestle).toMatchObject({ upstreamCallCount: 0, resultCache: "hit" });
  });

  it("the overlay's passthrough serves the REST route as the app answers it", async () => {
    const response = await fetch(url.replace(/\/graphql$/, "/rest/ml/models/churn-rf"));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ name: "churn-rf", stage: "Staging", owner_id: 2, latest_version: 1 });
  });

  it("a 422 reaches the client with FastAPI's details; what the schema knows is refused before the call", async () => {
    const predict = await graphql(
      'mutation { predict(name: "fraud-xgb", input: { instances: [{ values: [0.2] }], threshold: 0.5 }) { scores } }',
    );
    expect(predict.body.data).toEqual({ predict: { scores: [0.2] } });

    // A rule only the app knows (a Pydantic validator): its 422 and detail reach the client.
    const uneven = await graphql(
      'mutation { predict(name: "fraud-xgb", input: { instances: [{ values: [1] }, { values: [1, 2] }] }) { scores } }',
    );
    expect(uneven.body.data).toEqual({ predict: null });
    expect(uneven.body.errors?.[0]?.message).toBe(
      'Upstream "ml" answered 422: all instances must have the same number of values (at body.instances)',
    );
    expect(uneven.body.errors?.[0]?.extensions).toMatchObject({
      code: "UPSTREAM_ERROR",
      status: 422,
      upstream: "ml",
      details: [{ loc: ["body", "instances"], msg: "all instances must have the same number of values", type: "value_error" }],
    });

    // Bounds the OpenAPI document states became @constraint: refused with no call.
    const empty = await graphql('mutation { predict(name: "fraud-xgb", input: { instances: [] }) { scores } }');
    expect(empty.body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    const limit = await graphql("{ listModels(limit: 500) { name } }");
    expect(limit.body.errors?.[0]?.message).toContain("limit must be at most 100 (received 500)");
    expect(limit.body.extensions.trestle.upstreamCalls).toEqual([]);
  });

  it("the overlay's errors: { expose: [409] } adds to the import's [422]: a 409 shows its object detail", async () => {
    const conflict = await graphql('{ getVersion(name: "fraud-xgb", version: 9) { name } }');
    expect(conflict.body.errors?.[0]?.extensions).toMatchObject({
      code: "UPSTREAM_ERROR",
      status: 409,
      upstream: "ml",
      details: { error: "version_not_found", latest: 3 },
    });
    // Statuses exposed by neither stay status and code only.
    const missing = await graphql('mutation { deleteModel(name: "nope") }');
    expect(missing.body.errors?.[0]?.extensions).toMatchObject({ code: "UPSTREAM_ERROR", status: 404 });
    expect(missing.body.errors?.[0]?.extensions?.details).toBeUndefined();
  });

  it("a re-import overwrites the generated file; the overlay still applies", async () => {
    serve?.kill("SIGTERM");
    await cli("import", "openapi", `${app.url}/openapi.json`, "--upstream", "ml", "-o", join(dir, "ml.graphql"));
    const checked = await cli("check", "--schema", dir);
    expect(checked.stdout).toMatch(/2 files checked: 0 errors/);
    url = await startServe();
    const response = await fetch(url.replace(/\/graphql$/, "/rest/ml/models/fraud-xgb"));
    expect(response.status).toBe(200);
  });
});
