import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import type { CliIo } from "../../src/cli/cli-io.js";
import { startDemoUpstream, type DemoUpstream } from "../../src/demo/demo-upstream.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { query } from "../helpers/graphql.js";
import { sendJson, startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";

// A BFF in front of two services, each with its own OpenAPI document, imported into one schema
// folder: the model registry (the demo upstream) and a small workflow service.
const flowsSpec = {
  openapi: "3.1.0",
  info: { title: "Flows", version: "1.0.0" },
  paths: {
    "/flows/{flow_id}": {
      get: {
        operationId: "get_flow",
        parameters: [{ name: "flow_id", in: "path", required: true, schema: { type: "string" } }],
        responses: { "200": json("Flow") },
      },
    },
    "/flows/{flow_id}/runs": {
      post: {
        operationId: "run_flow",
        parameters: [{ name: "flow_id", in: "path", required: true, schema: { type: "string" } }],
        responses: { "201": json("Run") },
      },
    },
    "/models/{name}": {
      get: {
        operationId: "get_model",
        parameters: [{ name: "name", in: "path", required: true, schema: { type: "string" } }],
        responses: { "200": json("Flow") },
      },
    },
  },
  components: {
    schemas: {
      Flow: {
        type: "object",
        properties: { id: { type: "string" }, name: { type: "string" }, params: { type: "object", additionalProperties: true } },
      },
      Run: { type: "object", properties: { id: { type: "string" }, flow_id: { type: "string" }, state: { type: "string" } } },
    },
  },
};

function json(schema: string) {
  return { description: "OK", content: { "application/json": { schema: { $ref: `#/components/schemas/${schema}` } } } };
}

let demo: DemoUpstream;
let flows: TestUpstream;
let folder: string;
const output: string[] = [];
const io: CliIo = { stdout: (text) => output.push(text), stderr: (text) => output.push(text), cwd: process.cwd(), env: {} };

beforeAll(async () => {
  demo = await startDemoUpstream();
  flows = await startTestUpstream((req, res) => {
    const [, , id, runs] = req.url.split("/");
    if (runs === "runs") return sendJson(res, 201, { id: "r1", flow_id: id, state: "SCHEDULED" });
    return sendJson(res, 200, { id, name: `flow-${id}`, params: { retries: 2 } });
  });
  folder = await mkdtemp(join(tmpdir(), "trestle-multi-"));
  await mkdir(join(folder, "schema"));
  await writeFile(join(folder, "flows.openapi.json"), JSON.stringify(flowsSpec));
  expect(
    await main(["import", "openapi", `${demo.url}/openapi.json`, "--upstream", "ml", "-o", join(folder, "schema", "ml.graphql")], io),
  ).toBe(0);
});
afterAll(async () => {
  await demo.close();
  await flows.close();
});

describe("two imported OpenAPI documents in one schema folder", () => {
  it("collide only where both define the same name differently, and `check` says where", async () => {
    const schema = join(folder, "schema");
    expect(
      await main(
        [
          "import",
          "openapi",
          join(folder, "flows.openapi.json"),
          "--upstream",
          "flows",
          "--base-url",
          flows.url,
          "-o",
          join(schema, "flows.graphql"),
        ],
        io,
      ),
    ).toBe(0);
    output.length = 0;
    expect(await main(["check", "--schema", schema], io)).toBe(1);
    // Files are read in name order: flows.graphql first, so ml.graphql's getModel is the second definition.
    expect(output.join("")).toMatch(
      /ml\.graphql:\d+:\d+: Query\.getModel is defined in \S*flows\.graphql and again, differently, here; .*--prefix/,
    );
    expect(output.join("")).toContain("1 error");
  });

  it("with --prefix on one of them, check passes and one server answers both upstreams", async () => {
    const schema = join(folder, "schema");
    expect(
      await main(
        [
          "import",
          "openapi",
          join(folder, "flows.openapi.json"),
          "--upstream",
          "flows",
          "--prefix",
          "flows",
          "--base-url",
          flows.url,
          "-o",
          join(schema, "flows.graphql"),
        ],
        io,
      ),
    ).toBe(0);
    expect(await main(["check", "--schema", schema], io)).toBe(0);
    const sdl = await readFile(join(schema, "flows.graphql"), "utf8");
    // Types and root fields are prefixed; the shared scalars are not (the same in every import, they merge).
    expect(sdl).toMatch(/^type FlowsFlow \{$/m);
    expect(sdl).toMatch(/^  flowsRunFlow\(/m);
    expect(sdl).toMatch(/^scalar JSON$/m);
    const trestle = await createTestTrestle(schema, { env: { ML_URL: demo.url } });
    try {
      const read = await query(
        trestle,
        `{ getModel(name: "fraud-xgb") { name latestVersion } flowsGetModel(name: "m") { id name } flowsGetFlow(flowId: "f1") { id name params } }`,
      );
      expect(read.errors).toBeUndefined();
      expect(read.data).toEqual({
        getModel: { name: "fraud-xgb", latestVersion: 5 },
        flowsGetModel: { id: "m", name: "flow-m" },
        flowsGetFlow: { id: "f1", name: "flow-f1", params: { retries: 2 } },
      });
      const run = await query(trestle, `mutation { flowsRunFlow(flowId: "f1") { id flowId state } }`);
      expect(run.data).toEqual({ flowsRunFlow: { id: "r1", flowId: "f1", state: "SCHEDULED" } });
    } finally {
      await trestle.close();
    }
  });

  it("refuses a --prefix that cannot begin a GraphQL name", async () => {
    output.length = 0;
    expect(await main(["import", "openapi", join(folder, "flows.openapi.json"), "--upstream", "flows", "--prefix", "9-lives"], io)).toBe(1);
    expect(output.join("")).toContain(
      '--prefix must be letters and digits, starting with a letter (it begins type and field names), received "9-lives"',
    );
  });
});
