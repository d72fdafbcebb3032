import { describe, expect, it } from "vitest";
import { block, getReturning, importAndBuild, openapi31 } from "./build-imported-schema.js";

/** Imports one GET answering `Thing` (defined by `schemas`) and returns the SDL. */
function importThing(schemas: Record<string, unknown>, root: unknown = { $ref: "#/components/schemas/Thing" }): string {
  return importAndBuild(openapi31({ "/thing": getReturning(root) }, schemas)).sdl;
}

describe("mapping JSON Schema to GraphQL types", () => {
  const cases: Array<{ name: string; property: unknown; required?: boolean; field: string }> = [
    { name: "3.1 type array with null", property: { type: ["string", "null"] }, required: true, field: "value: String" },
    { name: "3.1 type array, required", property: { type: ["integer"] }, required: true, field: "value: Int!" },
    { name: "3.0 nullable", property: { type: "integer", nullable: true }, required: true, field: "value: Int" },
    { name: "Swagger x-nullable", property: { type: "boolean", "x-nullable": true }, required: true, field: "value: Boolean" },
    {
      name: "FastAPI anyOf [X, null]",
      property: { anyOf: [{ type: "string", format: "date-time" }, { type: "null" }] },
      required: true,
      field: "value: DateTime",
    },
    { name: "enum holding null", property: { type: "string", enum: ["a", "b", null] }, required: true, field: "value: ThingValue" },
    { name: "const", property: { const: "fixed" }, required: true, field: "value: String!" },
    { name: "integer const beyond 32 bits", property: { const: 2 ** 40 }, field: "value: Int64" },
    { name: "int64", property: { type: "integer", format: "int64" }, field: "value: Int64" },
    { name: "int32", property: { type: "integer", format: "int32" }, field: "value: Int" },
    { name: "integer past Int's range", property: { type: "integer", maximum: 2 ** 40 }, field: "value: Int64" },
    { name: "number", property: { type: "number", format: "double" }, field: "value: Float" },
    { name: "date", property: { type: "string", format: "date" }, field: "value: Date" },
    { name: "int64 sent as a string", property: { type: "string", format: "int64" }, field: "value: String" },
    { name: "integer | number", property: { type: ["integer", "number"] }, field: "value: Float" },
    { name: "string | integer", property: { type: ["string", "integer"] }, field: "value: JSON" },
    { name: "additionalProperties map", property: { type: "object", additionalProperties: { type: "string" } }, field: "value: JSON" },
    { name: "free-form object", property: { type: "object" }, field: "value: JSON" },
    { name: "{} (any value)", property: {}, required: true, field: "value: JSON" },
    {
      name: "tuple (prefixItems)",
      property: { type: "array", prefixItems: [{ type: "string" }, { type: "integer" }] },
      field: "value: JSON",
    },
    {
      name: "list of nullable items",
      property: { type: "array", items: { anyOf: [{ type: "string" }, { type: "null" }] } },
      required: true,
      field: "value: [String]!",
    },
    {
      name: "anyOf string | enum",
      property: { anyOf: [{ type: "string" }, { type: "string", enum: ["a", "b"] }] },
      field: "value: String",
    },
    {
      name: "oneOf with a scalar branch",
      property: { oneOf: [{ type: "string" }, { type: "object", properties: { a: { type: "string" } } }] },
      field: "value: JSON",
    },
    {
      name: "single-branch allOf keeps the name",
      property: { allOf: [{ $ref: "#/components/schemas/Other" }], nullable: true },
      required: true,
      field: "value: Other",
    },
    {
      name: "$ref with a description beside it",
      property: { $ref: "#/components/schemas/Other", description: "About it." },
      required: true,
      field: "value: Other!",
    },
  ];

  it.each(cases)("$name", ({ property, required, field }) => {
    const thing = { type: "object", properties: { value: property }, ...(required === true ? { required: ["value"] } : {}) };
    const sdl = importThing({ Thing: thing, Other: { type: "object", properties: { id: { type: "string" } } } });
    expect(block(sdl, "type Thing")).toContain(`  ${field}`);
  });

  it("merges allOf into one object, required lists included", () => {
    const sdl = importThing({
      NewPet: { type: "object", required: ["name"], properties: { name: { type: "string" }, tag: { type: "string" } } },
      Thing: {
        allOf: [{ $ref: "#/components/schemas/NewPet" }, { type: "object", required: ["id"], properties: { id: { type: "integer" } } }],
      },
    });
    expect(block(sdl, "type Thing")).toBe("type Thing {\n  name: String!\n  tag: String\n  id: Int!\n}");
  });

  it("finds $defs through the pointer and names the type after it", () => {
    const sdl = importThing(
      { Outer: { $defs: { Inner: { type: "object", properties: { x: { type: "number" } } } } } },
      { $ref: "#/components/schemas/Outer/$defs/Inner" },
    );
    expect(block(sdl, "type Inner")).toBe("type Inner {\n  x: Float\n}");
  });

  it("makes a union of object branches and names inline ones", () => {
    const sdl = importThing({
      Cat: { type: "object", properties: { meows: { type: "boolean" } } },
      Thing: {
        oneOf: [{ $ref: "#/components/schemas/Cat" }, { title: "Dog", type: "object", properties: { barks: { type: "boolean" } } }],
        discriminator: { propertyName: "kind" },
      },
    });
    expect(block(sdl, "union Thing")).toBe("union Thing = Cat | ThingDog");
    expect(sdl).toContain('"""Told apart by the `kind` property."""');
    expect(block(sdl, "type ThingDog")).toContain("barks: Boolean");
  });

  it("flattens nested unions and drops null branches", () => {
    const sdl = importThing({
      A: { type: "object", properties: { a: { type: "string" } } },
      B: { type: "object", properties: { b: { type: "string" } } },
      AorB: { anyOf: [{ $ref: "#/components/schemas/A" }, { $ref: "#/components/schemas/B" }] },
      Thing: {
        type: "object",
        properties: { value: { anyOf: [{ $ref: "#/components/schemas/AorB" }, { $ref: "#/components/schemas/A" }, { type: "null" }] } },
      },
    });
    expect(block(sdl, "union ThingValue")).toBe("union ThingValue = A | B");
  });

  it("renames enum values that are not GraphQL names and keeps the originals", () => {
    const sdl = importThing({
      Thing: { type: "object", properties: { size: { type: "string", enum: ["auto", "1024x1024", "gpt-4o", "gpt_4o", "true", "a b"] } } },
    });
    expect(block(sdl, "enum ThingSize")).toBe(
      [
        "enum ThingSize {",
        "  auto",
        '  _1024x1024 @enumValue(value: "1024x1024")',
        '  gpt_4o2 @enumValue(value: "gpt-4o")',
        "  gpt_4o",
        '  true_ @enumValue(value: "true")',
        '  a_b @enumValue(value: "a b")',
        "}",
      ].join("\n"),
    );
    expect(sdl).not.toContain("directive @enumValue"); // built into Trestle's directives
  });

  it("ends circular references at the type name", () => {
    const sdl = importThing({
      Thing: {
        type: "object",
        properties: {
          name: { type: "string" },
          children: { type: "array", items: { $ref: "#/components/schemas/Thing" } },
          other: { $ref: "#/components/schemas/Other" },
        },
      },
      Other: { type: "object", properties: { back: { $ref: "#/components/schemas/Thing" } } },
      Loop: { type: "array", items: { $ref: "#/components/schemas/Loop" } },
    });
    expect(block(sdl, "type Thing")).toBe("type Thing {\n  name: String\n  children: [Thing!]\n  other: Other\n}");
    expect(block(sdl, "type Other")).toBe("type Other {\n  back: Thing\n}");
  });

  it("reads a self-containing list alias as JSON instead of recursing", () => {
    const sdl = importThing(
      { Loop: { type: "array", items: { $ref: "#/components/schemas/Loop" } } },
      { $ref: "#/components/schemas/Loop" },
    );
    expect(sdl).toMatch(/getThing: \[JSON\] @rest/);
  });

  it("follows $recursiveRef to the schema with $recursiveAnchor", () => {
    const sdl = importThing({
      Filter: { type: "object", properties: { key: { type: "string" } } },
      Thing: {
        $recursiveAnchor: true,
        type: "object",
        properties: { filters: { type: "array", items: { anyOf: [{ $ref: "#/components/schemas/Filter" }, { $recursiveRef: "#" }] } } },
      },
    });
    expect(block(sdl, "union ThingFiltersItem")).toBe("union ThingFiltersItem = Filter | Thing");
  });

  it("splits readOnly and writeOnly between answers and inputs", () => {
    const user = {
      type: "object",
      required: ["id", "password"],
      properties: { id: { type: "integer", readOnly: true }, name: { type: "string" }, password: { type: "string", writeOnly: true } },
    };
    const doc = openapi31(
      {
        "/users": {
          post: {
            operationId: "createUser",
            requestBody: { required: true, content: { "application/json": { schema: { $ref: "#/components/schemas/User" } } } },
            responses: { "201": { description: "ok", content: { "application/json": { schema: { $ref: "#/components/schemas/User" } } } } },
          },
        },
      },
      { User: user },
    );
    const { sdl } = importAndBuild(doc);
    expect(block(sdl, "type User")).toBe("type User {\n  id: Int!\n  name: String\n}");
    expect(block(sdl, "input UserInput")).toBe("input UserInput {\n  name: String\n  password: String!\n}");
    expect(sdl).toContain("createUser(input: UserInput!): User");
  });
});

describe("field names and upstream naming", () => {
  it("picks SNAKE_CASE for snake_case APIs and reads keys that do not round-trip with @from", () => {
    const thing = {
      type: "object",
      properties: {
        created_at: { type: "string" },
        model_name: { type: "string" },
        fooBar_baz: { type: "string" },
        "@type": { type: "string" },
        "1st": { type: "integer" },
        "a.b": { type: "string" },
      },
    };
    const sdl = importThing({ Thing: thing });
    expect(sdl).toMatch(/@upstream\(name: "api", baseUrl: "[^"]+", naming: SNAKE_CASE\)/);
    expect(sdl).toContain(
      '# left out key "a.b": @from takes a dot path, so a key holding ".", spaces or braces cannot be read\ntype Thing {',
    );
    expect(block(sdl, "type Thing")).toBe(
      [
        "type Thing {",
        "  createdAt: String",
        "  modelName: String",
        '  fooBarBaz: String @from(path: "fooBar_baz")',
        '  type: String @from(path: "@type")',
        '  _1st: Int @from(path: "1st")',
        "}",
      ].join("\n"),
    );
  });

  it("types an input object as JSON when SNAKE_CASE cannot write one of its keys, and says so", () => {
    const doc = openapi31({
      "/things": {
        post: {
          operationId: "createThing",
          requestBody: {
            content: {
              "application/json": {
                schema: { type: "object", properties: { model_name: { type: "string" }, rate_per_1_minute: { type: "integer" } } },
              },
            },
          },
          responses: {
            "200": {
              description: "ok",
              content: { "application/json": { schema: { type: "object", properties: { model_name: { type: "string" } } } } },
            },
          },
        },
      },
    });
    const { sdl } = importAndBuild(doc);
    expect(sdl).toContain("createThing(input: JSON)");
    expect(sdl).toContain(
      '# note: CreateThing (input) is JSON: key "rate_per_1_minute" cannot be an input field (SNAKE_CASE naming cannot write it from a camelCase field)',
    );
  });

  it("keeps camelCase APIs AS_IS and renames invalid keys with @from", () => {
    const thing = {
      type: "object",
      properties: { petId: { type: "string" }, photoUrls: { type: "array", items: { type: "string" } }, "x-rate": { type: "number" } },
    };
    const sdl = importThing({ Thing: thing });
    expect(sdl).not.toContain("naming:");
    expect(block(sdl, "type Thing")).toBe('type Thing {\n  petId: String\n  photoUrls: [String!]\n  xRate: Float @from(path: "x-rate")\n}');
  });
});
