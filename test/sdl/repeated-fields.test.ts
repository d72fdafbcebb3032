import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatDiagnostic, type Trestle } from "../../src/index.js";
import { checkSchemaSources } from "../../src/sdl/check-schema.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { query } from "../helpers/graphql.js";
import { sendJson, startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";

// Issue 17, edits that survive re-import: a field declared again with the same signature adds
// its directives to the generated one, instead of being a duplicate field.

const generated = (url = "http://127.0.0.1:4010") => `extend schema @upstream(name: "ml", baseUrl: "${url}")
type Query {
  "Reads one model."
  getModel(name: String!, version: Int = 1): Model @rest(upstream: "ml", path: "/models/{args.name}?version={args.version}")
  listModels: [Model] @rest(upstream: "ml", path: "/models")
}
type Mutation { deleteModel(name: String!): Boolean @rest(upstream: "ml", method: DELETE, path: "/models/{args.name}") }
type Model { name: String }
`;

function checkFiles(files: Record<string, string>): string[] {
  return checkSchemaSources(
    Object.entries(files).map(([name, body]) => ({ name, body })),
    {},
  ).map(formatDiagnostic);
}

describe("a field declared again with the same signature adds its directives", () => {
  it("passes check from another file, from the same file, with arguments in another order", () => {
    const overlay = `extend type Query {\n  getModel(version: Int = 1, name: String!): Model @cache(maxAge: 60)\n}`;
    expect(checkFiles({ "ml.graphql": generated(), "overlay.graphql": overlay })).toEqual([]);
    expect(checkFiles({ "ml.graphql": `${generated()}${overlay}` })).toEqual([]);
    // The overlay's file may come first: the directives add up whatever the order.
    expect(checkFiles({ "a.graphql": overlay, "ml.graphql": generated() })).toEqual([]);
  });

  it("a different signature is an error saying what differs and how to repeat it", () => {
    const again = (field: string) =>
      checkFiles({ "ml.graphql": generated(), "overlay.graphql": `extend type Query {\n  ${field} @cache(maxAge: 60)\n}` });
    const fix =
      ": to add directives to that field, declare it again with the same signature (extend type Query { getModel(name: String!, version: Int = 1): Model @… }); if they are different fields, rename one (for two imported documents, import one with --prefix)";
    const differently = "overlay.graphql:2:3: Query.getModel is defined in ml.graphql and again, differently, here; ";
    expect(again("getModel(name: String!, version: Int = 1): Model!")).toEqual([
      `${differently}its type is Model there and Model! here${fix}`,
    ]);
    expect(again("getModel(name: ID!, version: Int = 1): Model")).toEqual([
      `${differently}argument name is String! there and ID! here${fix}`,
    ]);
    expect(again("getModel(name: String!, version: Int): Model")).toEqual([
      `${differently}argument version is Int = 1 there and Int here${fix}`,
    ]);
    expect(again("getModel(name: String!): Model")).toEqual([`${differently}argument version (Int = 1) is missing here${fix}`]);
    expect(again("getModel(name: String!, version: Int = 1, tag: String): Model")).toEqual([
      `${differently}argument tag (String) is not there${fix}`,
    ]);
  });

  it("a directive on both is a conflict at both places: two @cache, two @rest", () => {
    const cacheTwice = checkFiles({
      "ml.graphql": generated().replace("listModels: [Model]", "listModels: [Model] @cache(maxAge: 5)"),
      "overlay.graphql": `extend type Query { listModels: [Model] @cache(maxAge: 60) }`,
    });
    const rule = "a field declared again adds the directives it does not have yet, each directive once: keep one of the two";
    expect(cacheTwice).toEqual([
      `ml.graphql:5:23: @cache on Query.listModels is given here and again at overlay.graphql:1:41; ${rule}`,
      `overlay.graphql:1:41: @cache on Query.listModels is given here and already at ml.graphql:5:23; ${rule}`,
    ]);
    const restTwice = checkFiles({
      "ml.graphql": generated(),
      "overlay.graphql": `extend type Mutation { deleteModel(name: String!): Boolean @rest(upstream: "ml", method: POST, path: "/models/{args.name}/delete") }`,
    });
    expect(restTwice).toHaveLength(2);
    expect(restTwice[0]).toMatch(
      /^ml\.graphql:7:53: @rest on Mutation\.deleteModel is given here and again at overlay\.graphql:1:60; .*--prefix/,
    );
    expect(restTwice[1]).toMatch(/^overlay\.graphql:1:60: @rest on Mutation\.deleteModel is given here and already at ml\.graphql:7:53; /);
  });

  it("any object type takes them, and a later @cache on a field without @rest is still reported", () => {
    const files = {
      "ml.graphql": `${generated()}type Run { id: ID model: Model @rest(upstream: "ml", path: "/models/{parent.model}") }\n`,
      "overlay.graphql": `extend type Run { model: Model @cache(maxAge: 10) }\nextend type Model { name: String @cache(maxAge: 10) }`,
    };
    expect(checkFiles(files)).toEqual([
      "overlay.graphql:2:34: @cache on Model.name has no effect: only @rest fields fetch answers to cache",
    ]);
  });

  it("within one type definition, and for a type defined twice in one file, the GraphQL rules stand", () => {
    expect(checkFiles({ "a.graphql": `${generated()}type Model { name: String }` })).toEqual([
      'a.graphql:8:6: There can be only one type named "Model".',
      'a.graphql:8:14: Field "Model.name" can only be defined once.',
    ]);
    expect(
      checkFiles({
        "a.graphql": `extend schema @upstream(name: "ml", baseUrl: "http://h")\ntype Query { a: Int @rest(path: "/a") a: Int @cache(maxAge: 1) }`,
      }),
    ).toEqual(['a.graphql:2:14: Field "Query.a" can only be defined once.']);
  });
});

describe("the added directives at run time", () => {
  let upstream: TestUpstream;
  let folder: string;
  let trestle: Trestle;

  beforeAll(async () => {
    // No Cache-Control at all: only the overlay's @cache makes these answers cacheable.
    upstream = await startTestUpstream((req, res) => sendJson(res, 200, req.url === "/models" ? [{ name: "a" }] : { name: "resnet" }));
    folder = await mkdtemp(join(tmpdir(), "trestle-fields-"));
    await writeFile(join(folder, "ml.graphql"), generated(upstream.url));
    await writeFile(
      join(folder, "overlay.graphql"),
      `extend type Query {\n  "Reads one model, cached for a minute."\n  getModel(name: String!, version: Int = 1): Model @cache(maxAge: 60)\n}\n`,
    );
    trestle = await createTestTrestle(folder);
  });
  afterAll(async () => {
    await trestle.close();
    await upstream.close();
    await rm(folder, { recursive: true, force: true });
  });

  it("the overlay's @cache applies to the generated field: two reads, one upstream call", async () => {
    const read = `{ getModel(name: "resnet") { name } }`;
    expect(await query(trestle, read)).toEqual({ status: 200, data: { getModel: { name: "resnet" } } });
    expect(await query(trestle, read)).toEqual({ status: 200, data: { getModel: { name: "resnet" } } });
    expect(upstream.requests.map((r) => r.url)).toEqual(["/models/resnet?version=1"]);
  });

  it("a field the overlay does not name is not cached (two reads, two calls)", async () => {
    upstream.requests.length = 0;
    await query(trestle, `{ listModels { name } }`);
    await query(trestle, `{ listModels { name } }`);
    expect(upstream.requests.map((r) => r.url)).toEqual(["/models", "/models"]);
  });

  it("the field appears once, with the first description", async () => {
    const result = await query(trestle, `{ __type(name: "Query") { fields { name description } } }`);
    expect(result.data).toEqual({
      __type: {
        fields: [
          { name: "getModel", description: "Reads one model." },
          { name: "listModels", description: null },
        ],
      },
    });
  });
});
