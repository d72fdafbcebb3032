import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatDiagnostic, type Trestle } from "../../src/index.js";
import { checkSchemaSources } from "../../src/sdl/check-schema.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { query } from "../helpers/graphql.js";
import { sendJson, startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";

// Issue 17, edits that survive re-import: an @upstream without baseUrl amends the declaration of
// that name that has one, so the imported file stays purely generated.

const generated = (url = "http://127.0.0.1:4010") =>
  `extend schema @upstream(name: "ml", baseUrl: "${url}", naming: SNAKE_CASE)\ntype Query { getModel(name: String!): Model @rest(upstream: "ml", path: "/models/{args.name}") }\ntype Model { name: String latestVersion: Int }\n`;

function checkFiles(files: Record<string, string>, env: Record<string, string> = {}): string[] {
  return checkSchemaSources(
    Object.entries(files).map(([name, body]) => ({ name, body })),
    env,
  ).map(formatDiagnostic);
}

describe("an @upstream without baseUrl amends the one that has it", () => {
  it("passes check with passthrough, headers, cache and resilience added from another file", () => {
    expect(
      checkFiles({
        "ml.graphql": generated(),
        "overlay.graphql": `extend schema @upstream(name: "ml", passthrough: { paths: ["/files/**"] }, headers: [{ name: "x-team", value: "vision" }], timeoutMs: 2000, retry: { attempts: 0 })`,
      }),
    ).toEqual([]);
  });

  it("amends whatever the file order: the overlay may come first", () => {
    expect(
      checkFiles({
        "a-overlay.graphql": `extend schema @upstream(name: "ml", cache: { maxAge: 30 })`,
        "ml.graphql": generated(),
      }),
    ).toEqual([]);
  });

  it("a setting given in both is a conflict at both places, with what to do", () => {
    expect(
      checkFiles({
        "ml.graphql": `extend schema @upstream(name: "ml", baseUrl: "http://h", timeoutMs: 5000)\ntype Query { a: Int @rest(path: "/a") }`,
        "overlay.graphql": `extend schema @upstream(name: "ml", timeoutMs: 1000)`,
      }),
    ).toEqual([
      'ml.graphql:1:58: @upstream "ml" sets timeoutMs here and again at overlay.graphql:1:37; give each setting once: the declaration with baseUrl or one amendment',
      'overlay.graphql:1:37: @upstream "ml" sets timeoutMs here and already at ml.graphql:1:58; give each setting once: the declaration with baseUrl or one amendment',
    ]);
  });

  it("two amendments that both open passthrough conflict too; one alone wins", () => {
    const twice = checkFiles({
      "ml.graphql": generated(),
      "p1.graphql": `extend schema @upstream(name: "ml", passthrough: { paths: ["/files/**"] })`,
      "p2.graphql": `extend schema @upstream(name: "ml", passthrough: { paths: ["/models/**"], methods: [GET, POST] })`,
    });
    expect(twice).toHaveLength(2);
    expect(twice[0]).toMatch(/^p1\.graphql:1:37: @upstream "ml" sets passthrough here and again at p2\.graphql:1:37;/);
    expect(twice[1]).toMatch(/^p2\.graphql:1:37: @upstream "ml" sets passthrough here and already at p1\.graphql:1:37;/);
  });

  it("header rules add up; one header name set twice (any case) is a conflict at both rules", () => {
    const files = {
      "ml.graphql": `extend schema @upstream(name: "ml", baseUrl: "http://h", headers: [{ name: "x-team", value: "a" }, { name: "x-env", value: "prod" }])\ntype Query { a: Int @rest(path: "/a") }`,
      "overlay.graphql": `extend schema @upstream(name: "ml", headers: [{ name: "x-trace-tag", value: "t" }, { name: "X-Team", value: "b" }])`,
    };
    expect(checkFiles(files)).toEqual([
      'ml.graphql:1:68: @upstream "ml" sets header "x-team" here and again at overlay.graphql:1:84; header rules of several declarations add up, each name once',
      'overlay.graphql:1:84: @upstream "ml" sets header "x-team" here and already at ml.graphql:1:68; header rules of several declarations add up, each name once',
    ]);
  });

  it("a single header rule without brackets adds up the same way", () => {
    const files = {
      "ml.graphql": `extend schema @upstream(name: "ml", baseUrl: "http://h", headers: { name: "x-team", value: "a" })\ntype Query { a: Int @rest(path: "/a") }`,
      "overlay.graphql": `extend schema @upstream(name: "ml", headers: { name: "x-env", value: "prod" })`,
    };
    expect(checkFiles(files)).toEqual([]);
    const twice = checkFiles({
      ...files,
      "overlay.graphql": `extend schema @upstream(name: "ml", headers: { name: "X-TEAM", value: "b" })`,
    });
    expect(twice.map((line) => line.split(": ")[0])).toEqual(["ml.graphql:1:67", "overlay.graphql:1:46"]);
  });

  it("errors: the expose lists add up (the importer's [422] and an overlay's [409]); detail given twice must agree", () => {
    const base = `extend schema @upstream(name: "ml", baseUrl: "http://h", errors: { expose: [422] })\ntype Query { a: Int @rest(path: "/a") }`;
    expect(
      checkFiles({ "ml.graphql": base, "overlay.graphql": `extend schema @upstream(name: "ml", errors: { expose: [409, 422] })` }),
    ).toEqual([]);
    expect(
      checkFiles({
        "ml.graphql": base,
        "overlay.graphql": `extend schema @upstream(name: "ml", errors: { expose: [409], detail: "detail" })`,
      }),
    ).toEqual([]);
    const twice = checkFiles({
      "ml.graphql": `extend schema @upstream(name: "ml", baseUrl: "http://h", errors: { expose: [422], detail: "detail" })\ntype Query { a: Int @rest(path: "/a") }`,
      "overlay.graphql": `extend schema @upstream(name: "ml", errors: { expose: [409], detail: "error.info" })`,
    });
    expect(twice).toEqual([
      'ml.graphql:1:83: @upstream "ml" sets errors.detail here and again at overlay.graphql:1:62; the expose lists of several declarations add up; give detail once',
      'overlay.graphql:1:62: @upstream "ml" sets errors.detail here and already at ml.graphql:1:83; the expose lists of several declarations add up; give detail once',
    ]);
  });

  it("no declaration with baseUrl is an error naming the upstream and the fields that use it", () => {
    expect(
      checkFiles({
        "overlay.graphql": `extend schema @upstream(name: "ml", passthrough: { paths: ["/files/**"] })\ntype Query { a: Int @rest(upstream: "ml", path: "/a") b: Int @rest(path: "/b") }`,
      }),
    ).toEqual([
      'overlay.graphql:1:31: @upstream "ml" has no baseUrl (used by Query.a, Query.b): an @upstream without baseUrl amends the one declaration of that name that gives it, and there is none; add baseUrl: "http://…" to one @upstream "ml"',
    ]);
    // A typo in the amendment's name is the same mistake, seen from the other side.
    expect(checkFiles({ "ml.graphql": generated(), "overlay.graphql": `extend schema @upstream(name: "lm", timeoutMs: 1)` })).toEqual([
      'overlay.graphql:1:31: @upstream "lm" has no baseUrl (no field uses it yet): an @upstream without baseUrl amends the one declaration of that name that gives it, and there is none; add baseUrl: "http://…" to one @upstream "lm"',
    ]);
  });

  it("two declarations with baseUrl: the duplicate error says to declare baseUrl once and amend", () => {
    expect(
      checkFiles({
        "ml.graphql": generated(),
        "overlay.graphql": `extend schema @upstream(name: "ml", baseUrl: "http://127.0.0.1:1", passthrough: { paths: ["/**"] })`,
      }),
    ).toEqual([
      'overlay.graphql:1:31: duplicate @upstream "ml" with a baseUrl (the first is at ml.graphql:1:15): declare baseUrl once; amend from other files with @upstream(name: "ml", …) without baseUrl',
    ]);
  });

  it("an amendment's own mistakes are reported at the amendment's place", () => {
    expect(
      checkFiles({
        "ml.graphql": generated(),
        "overlay.graphql": `extend schema @upstream(name: "ml", passthrough: { paths: ["/files/a**"] }, maxConcurrency: -1)`,
      }),
    ).toEqual([
      "overlay.graphql:1:93: maxConcurrency must be a positive integer, received -1",
      'overlay.graphql:1:50: passthrough path "/files/a**" must start with "/" and use * or ** only as whole segments',
    ]);
  });
});

describe("an amended upstream at run time", () => {
  let upstream: TestUpstream;
  let folder: string;
  let trestle: Trestle;

  beforeAll(async () => {
    upstream = await startTestUpstream((req, res) => {
      if (req.url.startsWith("/files/")) return sendJson(res, 200, { file: req.url, team: req.headers["x-team"] ?? null });
      return sendJson(res, 200, { name: "resnet", latest_version: 3 });
    });
    folder = await mkdtemp(join(tmpdir(), "trestle-amend-"));
    await writeFile(join(folder, "ml.graphql"), generated(upstream.url));
    await writeFile(
      join(folder, "overlay.graphql"),
      `extend schema @upstream(name: "ml", passthrough: { paths: ["/files/**"] }, headers: [{ name: "x-team", value: "vision" }])\n`,
    );
    trestle = await createTestTrestle(folder);
  });
  afterAll(async () => {
    await trestle.close();
    await upstream.close();
    await rm(folder, { recursive: true, force: true });
  });

  it("opens the passthrough route that the second file declares and sends its headers on every call", async () => {
    const response = await trestle.fetch(new Request("http://trestle.test/rest/ml/files/weights.bin"));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ file: "/files/weights.bin", team: "vision" });
    // The generated file's settings still hold: naming SNAKE_CASE, and the amended header too.
    upstream.requests.length = 0;
    expect(await query(trestle, `{ getModel(name: "resnet") { name latestVersion } }`)).toEqual({
      status: 200,
      data: { getModel: { name: "resnet", latestVersion: 3 } },
    });
    expect(upstream.requests.map((r) => r.headers["x-team"])).toEqual(["vision"]);
  });

  it("a baseUrl given in code (options.upstreams) stands in for the SDL's", async () => {
    const sdl = `extend schema @upstream(name: "ml", naming: SNAKE_CASE)\ntype Query { getModel(name: String!): Model @rest(path: "/models/{args.name}") }\ntype Model { latestVersion: Int }`;
    await expect(createTestTrestle(sdl)).rejects.toThrow('@upstream "ml" has no baseUrl (used by Query.getModel)');
    const fromCode = await createTestTrestle(sdl, { upstreams: { ml: { baseUrl: upstream.url } } });
    try {
      expect((await query(fromCode, `{ getModel(name: "x") { latestVersion } }`)).data).toEqual({ getModel: { latestVersion: 3 } });
    } finally {
      await fromCode.close();
    }
  });

  it("still closes every route the amendment does not open", async () => {
    const response = await trestle.fetch(new Request("http://trestle.test/rest/ml/models/resnet"));
    expect(response.status).toBe(404);
  });
});
