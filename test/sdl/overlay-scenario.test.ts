import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import type { CliIo } from "../../src/cli/cli-io.js";
import type { Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { query } from "../helpers/graphql.js";
import { sendJson, startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";

// Issue 17, the whole journey: `trestle import openapi` writes ml.graphql (purely generated,
// overwritten by each re-import); the team's edits live in overlay.graphql in the same folder:
// passthrough and a header for the imported upstream, @cache on a generated field, a link field.

/** What the importer writes for a small FastAPI model registry (`extra` stands for a later re-import's additions). */
const generated = (url: string, extra = "") => `# Imported by \`trestle import openapi\` from "Model registry" 0.1.0 (OpenAPI 3.1.0).
# Re-running the import overwrites this file.

extend schema
  @upstream(name: "ml", baseUrl: "{env.ML_URL:-${url}}", naming: SNAKE_CASE)

"""Any JSON value, passed through as the upstream sent it."""
scalar JSON

type Query {
  """Get Model"""
  getModel(
    """The model's name"""
    name: String!
  ): Model @rest(upstream: "ml", path: "/models/{args.name}")

  """List Models"""
  listModels(limit: Int = 20): [Model!] @rest(upstream: "ml", path: "/models?limit={args.limit}")
${extra}}

type Model {
  name: String!
  ownerId: Int
  latestVersion: Int
}
`;

const overlay = `# Our edits: a re-import leaves this file alone.
extend schema @upstream(name: "ml", passthrough: { paths: ["/models/*/files/**"] }, headers: [{ name: "x-team", value: "vision" }])

extend type Query {
  "Cached for a minute: models change rarely."
  getModel(name: String!): Model @cache(maxAge: 60)
}

extend type Model {
  owner: User @rest(upstream: "ml", path: "/users/{parent.owner_id}")
}

type User {
  id: Int!
  displayName: String
}
`;

let upstream: TestUpstream;
let folder: string;
let trestle: Trestle;

beforeAll(async () => {
  upstream = await startTestUpstream((req, res) => {
    if (req.url.includes("/files/")) return sendJson(res, 200, { file: req.url, team: req.headers["x-team"] ?? null });
    if (req.url.startsWith("/users/")) return sendJson(res, 200, { id: 7, display_name: "Ada" });
    if (req.url.startsWith("/models?")) return sendJson(res, 200, [{ name: "resnet", owner_id: 7, latest_version: 3 }]);
    return sendJson(res, 200, { name: "resnet", owner_id: 7, latest_version: 3 });
  });
  folder = await mkdtemp(join(tmpdir(), "trestle-overlay-"));
  await writeFile(join(folder, "ml.graphql"), generated(upstream.url));
  await writeFile(join(folder, "overlay.graphql"), overlay);
  trestle = await createTestTrestle(folder);
});
afterAll(async () => {
  await trestle.close();
  await upstream.close();
  await rm(folder, { recursive: true, force: true });
});

describe("a generated file and an overlay in one schema folder", () => {
  it("pass `trestle check` with no error and no warning", async () => {
    const out: string[] = [];
    const io: CliIo = { stdout: (t) => out.push(t), stderr: (t) => out.push(t), cwd: process.cwd(), env: {} };
    expect(await main(["check", "--schema", folder], io)).toBe(0);
    expect(out).toEqual(["2 files checked: 0 errors, 0 warnings"]);
  });

  it("serve the generated field under the overlay's @cache, with the overlay's header and link", async () => {
    const read = `{ getModel(name: "resnet") { name latestVersion owner { displayName } } }`;
    const expected = { status: 200, data: { getModel: { name: "resnet", latestVersion: 3, owner: { displayName: "Ada" } } } };
    expect(await query(trestle, read)).toEqual(expected);
    expect(await query(trestle, read)).toEqual(expected);
    const models = upstream.requests.filter((r) => r.url.startsWith("/models/"));
    expect(models.map((r) => r.url)).toEqual(["/models/resnet"]);
    expect(upstream.requests.every((r) => r.headers["x-team"] === "vision")).toBe(true);
  });

  it("open the overlay's passthrough route for the imported upstream, and only that one", async () => {
    const file = await trestle.fetch(new Request("http://trestle.test/rest/ml/models/resnet/files/weights.bin"));
    expect([file.status, await file.json()]).toEqual([200, { file: "/models/resnet/files/weights.bin", team: "vision" }]);
    const other = await trestle.fetch(new Request("http://trestle.test/rest/ml/users/7"));
    expect(other.status).toBe(404);
  });

  it("survive a re-import that overwrites the generated file", async () => {
    const reimport = `  """Count Models"""\n  countModels: Int @rest(upstream: "ml", path: "/models/count")\n`;
    await writeFile(join(folder, "ml.graphql"), generated(upstream.url, reimport));
    const again = await createTestTrestle(folder);
    try {
      upstream.requests.length = 0;
      const read = `{ getModel(name: "vgg") { name } }`;
      await query(again, read);
      await query(again, read);
      expect(upstream.requests.map((r) => r.url)).toEqual(["/models/vgg"]);
      const file = await again.fetch(new Request("http://trestle.test/rest/ml/models/vgg/files/a"));
      expect(file.status).toBe(200);
    } finally {
      await again.close();
    }
  });
});
