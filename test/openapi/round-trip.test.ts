import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import type { CliIo } from "../../src/cli/cli-io.js";
import { startDemoUpstream, type DemoUpstream } from "../../src/demo/demo-upstream.js";
import type { Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { query } from "../helpers/graphql.js";

// The importer's promise end to end: the demo upstream's own /openapi.json, imported over HTTP
// by the CLI, checked, served against that upstream, and queried.
let demo: DemoUpstream;
let trestle: Trestle;
let sdlFile: string;
const errors: string[] = [];

beforeAll(async () => {
  demo = await startDemoUpstream();
  sdlFile = join(await mkdtemp(join(tmpdir(), "trestle-import-")), "ml.graphql");
  const io: CliIo = { stdout: () => undefined, stderr: (text) => errors.push(text), cwd: process.cwd(), env: {} };
  expect(await main(["import", "openapi", `${demo.url}/openapi.json`, "--upstream", "ml", "-o", sdlFile], io)).toBe(0);
  expect(await main(["check", "--schema", sdlFile], io)).toBe(0);
  trestle = await createTestTrestle(sdlFile, { env: { ML_URL: demo.url } });
});
afterAll(async () => {
  await trestle?.close();
  await demo.close();
});

describe("import the demo's OpenAPI document, then serve it", () => {
  it("imports every operation", async () => {
    expect(errors.join("")).toContain("imported 28 operations, skipped 0");
    expect(await readFile(sdlFile, "utf8")).toContain("naming: SNAKE_CASE");
  });

  it("answers queries", async () => {
    const result = await query(
      trestle,
      `{ getModel(name: "fraud-xgb") { name latestVersion ownerId } listModels(first: 2) { edges { node { name } } pageInfo { hasNextPage endCursor } } }`,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data?.["getModel"]).toMatchObject({ name: "fraud-xgb", latestVersion: 5 });
    // The listing's limit/cursor/next_cursor were imported as a Relay connection (docs/pagination.md).
    const page = result.data?.["listModels"] as { edges: unknown[]; pageInfo: { hasNextPage: boolean; endCursor: string } };
    expect(page.edges).toHaveLength(2);
    expect(page.pageInfo.hasNextPage).toBe(true);
    const next = await query(trestle, `query($after: String) { listModels(first: 2, after: $after) { edges { node { name } } } }`, {
      after: page.pageInfo.endCursor,
    });
    expect(next.errors).toBeUndefined();
  });

  it("forwards the declared authorization header", async () => {
    const result = await query(trestle, `{ readMe { id name } }`, {}, { authorization: "Bearer user-3" });
    expect(result.errors).toBeUndefined();
    expect(result.data?.["readMe"]).toMatchObject({ id: 3 });
  });

  it("runs mutations with input objects sent snake_case", async () => {
    const result = await query(
      trestle,
      `mutation { updateModel(name: "fraud-xgb", input: { description: "retrained" }) { name description } predict(name: "fraud-xgb", input: { inputs: [[0.1, 0.2]] }) { model modelVersion } }`,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({
      updateModel: { name: "fraud-xgb", description: "retrained" },
      predict: { model: "fraud-xgb", modelVersion: 5 },
    });
  });
});
