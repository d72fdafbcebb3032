import { buildSchema, parse, type OperationDefinitionNode } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { compilesCheaply, maxUnfoldedInputFields } from "../../src/execution/compiles-cheaply.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { sendJson, startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";

const schema = buildSchema(/* GraphQL */ `
  input Filter {
    and: [Filter!]
    not: Filter
    name: String
  }
  input Left {
    right: Right
  }
  input Right {
    left: Left
    x: Int
  }
  input Small {
    name: String
    range: Range
  }
  input Range {
    min: Int
    max: Int
  }
  ${wideInputs()}
  type Query {
    a(f: Filter, l: Left, s: Small, w: Wide0): Int
  }
`);

/** Five levels of four input fields each: 4 + 16 + … + 4^5 = 1,364 unfolded fields, no cycle. */
function wideInputs(): string {
  const levels = [0, 1, 2, 3, 4].map(
    (level) => `input Wide${level} { ${[0, 1, 2, 3].map((i) => `f${i}: ${level === 4 ? "Int" : `Wide${level + 1}`}`).join(", ")} }`,
  );
  return levels.join("\n");
}

const operation = (text: string) => parse(text).definitions[0] as OperationDefinitionNode;

describe("compilesCheaply: which operations graphql-jit may compile", () => {
  it.each([
    ["no variables", "{ a }", true],
    ["scalar and small input variables", "query($s: Small, $n: Int) { a(s: $s) }", true],
    ["A28: a variable of a recursive input type", "query($f: Filter) { a(f: $f) }", false],
    ["A28: a list of a recursive input type", "query($f: [Filter!]) { a }", false],
    ["A28: mutually recursive input types", "query($l: Left) { a(l: $l) }", false],
    [`A28: ${1364} unfolded fields (> ${maxUnfoldedInputFields}), no cycle`, "query($w: Wide0) { a(w: $w) }", false],
    ["an unknown variable type (validation reports it)", "query($x: Nope) { a }", true],
  ])("%s → %s", (_name, text, expected) => {
    expect(compilesCheaply(schema, operation(text))).toBe(expected);
  });

  it("A28: many small variables add up past the bound", () => {
    const names = Array.from({ length: 200 }, (_, i) => `$s${i}: Small`).join(", ");
    expect(compilesCheaply(schema, operation(`query(${names}) { a }`))).toBe(false);
  });
});

describe("A28: recursive input variables on the fast route", () => {
  let upstream: TestUpstream;
  let trestle: Trestle;

  beforeAll(async () => {
    upstream = await startTestUpstream((req, res) => sendJson(res, 200, [{ name: JSON.parse(req.body).and?.[0]?.name ?? "none" }]));
    trestle = await createTestTrestle(/* GraphQL */ `
      extend schema @upstream(name: "ml", baseUrl: "${upstream.url}")
      input Filter { and: [Filter!], or: [Filter!], not: Filter, name: String, stage: String }
      type Model { name: String }
      type Query { models(where: Filter): [Model] @rest(method: POST, path: "/models/search", body: "{args.where}") }
    `);
  });
  afterAll(async () => {
    await trestle.close();
    await upstream.close();
  });

  const post = (query: string, variables: unknown) =>
    trestle.fetch(
      new Request("http://t.test/graphql", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query, variables }),
      }),
    );

  it("answers with the nested value sent upstream as coerced, for many distinct documents", async () => {
    for (let i = 0; i < 5; i++) {
      const response = await post(`query Q${i}($w: Filter) { models(where: $w) { name } }`, {
        w: { and: [{ name: `m${i}`, not: { stage: "x" } }] },
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ data: { models: [{ name: `m${i}` }] } });
    }
    expect(JSON.parse(upstream.requests.at(-1)!.body)).toEqual({ and: [{ name: "m4", not: { stage: "x" } }] });
  });

  it("a wrong type deep inside the variable is a 400 BAD_USER_INPUT, nothing sent, and the next caller is served", async () => {
    const before = upstream.requests.length;
    const response = await post("query($w: Filter) { models(where: $w) { name } }", { w: { and: [{ not: { name: 42 } }] } });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { errors: Array<{ extensions: { code: string } }> };
    expect(body.errors[0]!.extensions.code).toBe("BAD_USER_INPUT");
    expect(upstream.requests.length).toBe(before);
    expect((await post("query($w: Filter) { models(where: $w) { name } }", { w: { and: [{ name: "ok" }] } })).status).toBe(200);
  });
});
