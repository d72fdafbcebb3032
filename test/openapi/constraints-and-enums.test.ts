import { describe, expect, it } from "vitest";
import { block, flat, importAndBuild, openapi31 } from "./build-imported-schema.js";

// What the importer writes for JSON Schema's validation keywords (@constraint and a sentence),
// for enums (nullable in answers, or String with --enums string) and for batch endpoints.

const param = (name: string, schema: unknown, required = false) => ({ name, in: "query", required, schema });
const list = (parameters: unknown[], answer: unknown = { type: "array", items: { $ref: "#/components/schemas/Item" } }) => ({
  get: {
    operationId: "listItems",
    parameters,
    responses: { "200": { description: "ok", content: { "application/json": { schema: answer } } } },
  },
});
const item = { type: "object", properties: { id: { type: "integer" }, color: { $ref: "#/components/schemas/Color" } } };
const color = { type: "string", enum: ["red", "green"], description: "An enumeration." };

describe("constraints", () => {
  it("reads OpenAPI 3.0's boolean exclusive bounds, 3.1's numeric ones and Pydantic v2's anyOf [X, null]", () => {
    const doc = openapi31(
      {
        "/items": list([
          param("a", { type: "number", minimum: 0, exclusiveMinimum: true, maximum: 1, exclusiveMaximum: true }),
          param("b", { type: "integer", exclusiveMinimum: 0 }),
          param("c", { anyOf: [{ type: "integer", minimum: 1, maximum: 100 }, { type: "null" }], default: 10 }),
          param("d", { type: "string", maxLength: 8, pattern: "^[a-z]+$" }),
        ]),
      },
      { Item: item, Color: color },
    );
    const query = flat(block(importAndBuild(doc).sdl, "type Query"));
    expect(query).toContain(flat('"""0 < a < 1.""" a: Float @constraint(exclusiveMin: 0, exclusiveMax: 1)'));
    expect(query).toContain(flat('"""0 < b.""" b: Int @constraint(exclusiveMin: 0)'));
    expect(query).toContain(flat('"""1 ≤ c ≤ 100.""" c: Int = 10 @constraint(min: 1, max: 100)'));
    expect(query).toContain(
      flat('"""At most 8 characters; d matches "^[a-z]+$".""" d: String @constraint(maxLength: 8, pattern: "^[a-z]+$")'),
    );
  });

  it("puts item counts on the list and the other bounds on its items", () => {
    const doc = openapi31(
      { "/items": list([param("ids", { type: "array", minItems: 1, maxItems: 50, items: { type: "integer", minimum: 1 } })]) },
      { Item: item, Color: color },
    );
    expect(flat(importAndBuild(doc).sdl)).toContain(
      flat('"""1 to 50 items; 1 ≤ each item.""" ids: [Int!] @constraint(min: 1, minItems: 1, maxItems: 50)'),
    );
  });

  it("leaves patterns Trestle would not run out of @constraint, saying so, and never prints a huge one", () => {
    const zones = Array.from({ length: 400 }, (_, i) => `Zone/${i}`).join("|");
    const doc = openapi31(
      { "/items": list([param("a", { type: "string", pattern: "^(\\w+\\s?)*$" }), param("tz", { type: "string", pattern: zones })]) },
      { Item: item, Color: color },
    );
    const { sdl } = importAndBuild(doc);
    expect(flat(sdl)).toContain(flat('"""Trestle does not check the pattern "^(\\\\w+\\\\s?)*$": the upstream does.""" a: String'));
    expect(flat(sdl)).toContain(
      flat(`"""Trestle does not check a pattern of ${zones.length} characters: the upstream does.""" tz: String`),
    );
    expect(sdl).not.toContain("Zone/399");
    expect(sdl).not.toMatch(/@constraint\(pattern/);
  });

  it("leaves bounds that allow no value (a document's mistake) to the upstream, saying so; the rest stay and the schema builds", () => {
    const doc = openapi31(
      {
        "/items": list([
          param("a", { type: "integer", minimum: 10, maximum: 5 }),
          param("b", { type: "number", minimum: 5, exclusiveMaximum: 5 }),
          param("c", { type: "string", minLength: 9, maxLength: 3, pattern: "^[a-z]+$" }),
        ]),
      },
      { Item: item, Color: color },
    );
    const query = flat(block(importAndBuild(doc).sdl, "type Query"));
    expect(query).toContain(flat('"""Trestle does not check bounds that leave no value (min 10, max 5): the upstream does.""" a: Int'));
    expect(query).toContain(
      flat('"""Trestle does not check bounds that leave no value (min 5, exclusiveMax 5): the upstream does.""" b: Float'),
    );
    expect(query).toContain(flat('c: String @constraint(pattern: "^[a-z]+$")'));
    expect(query).toContain(flat("(minLength 9, maxLength 3)"));
  });

  it("keeps only bounds the GraphQL type can have", () => {
    const doc = openapi31(
      {
        "/items": list([
          param("when", { type: "string", format: "date-time", minLength: 20 }),
          { ...param("tags", { type: "array", items: { type: "string" }, minItems: 1 }), explode: false },
        ]),
      },
      { Item: item, Color: color },
    );
    expect(importAndBuild(doc).sdl).not.toContain("@constraint");
  });
});

describe("enums", () => {
  const doc = openapi31(
    {
      "/items": list([param("color", { $ref: "#/components/schemas/Color", default: "red" })]),
      "/palette": {
        get: {
          operationId: "palette",
          responses: {
            "200": {
              description: "ok",
              content: {
                "application/json": {
                  schema: {
                    type: "object",
                    required: ["colors"],
                    properties: { colors: { type: "array", items: { $ref: "#/components/schemas/Color" } } },
                  },
                },
              },
            },
          },
        },
      },
    },
    { Item: { ...item, required: ["id", "color"] }, Color: color },
  );

  it("makes enum answers nullable, list items too, and drops Pydantic's 'An enumeration.'", () => {
    const { sdl } = importAndBuild(doc);
    expect(block(sdl, "type Item")).toBe("type Item {\n  id: Int!\n  color: Color\n}");
    expect(block(sdl, "type PaletteResponse")).toBe("type PaletteResponse {\n  colors: [Color]!\n}");
    expect(block(sdl, "enum Color")).toBe("enum Color {\n  red\n  green\n}");
    expect(flat(sdl)).toContain(flat("listItems(color: Color = red)"));
  });

  it("with enums: string, types them String and lists the values, defaults as strings", () => {
    const { sdl } = importAndBuild(doc, { upstream: "api", enums: "string" });
    expect(sdl).not.toContain("enum Color");
    expect(block(sdl, "type Item")).toBe('type Item {\n  id: Int!\n\n  """One of: `red`, `green`."""\n  color: String!\n}');
    expect(flat(sdl)).toContain(flat('"""One of: `red`, `green`.""" color: String = "red"'));
    expect(flat(block(sdl, "type PaletteResponse"))).toContain(flat('"""One of: `red`, `green`.""" colors: [String!]!'));
  });
});

describe("batch endpoint hints", () => {
  it("writes {keys} for a comma-joined list and {keys*} for a repeated one", () => {
    const joined = openapi31(
      { "/items": list([param("ids", { type: "array", items: { type: "integer" } }, true)].map((p) => ({ ...p, explode: false }))) },
      { Item: item, Color: color },
    );
    expect(importAndBuild(joined).sdl).toContain('batch: { path: "/items?ids={keys}", key: "id" }');
    const repeated = openapi31(
      { "/items": list([param("ids", { type: "array", items: { type: "integer" } }, true)]) },
      { Item: item, Color: color },
    );
    expect(importAndBuild(repeated).sdl).toContain('batch: { path: "/items?ids={keys*}", key: "id" }');
    const noKey = openapi31(
      { "/items": list([param("ids", { type: "array", items: { type: "integer" } }, true)]) },
      { Item: { type: "object", properties: { x: { type: "string" } } }, Color: color },
    );
    expect(importAndBuild(noKey).sdl).not.toContain("batch endpoint");
  });
});
