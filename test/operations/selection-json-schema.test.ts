import { buildSchema, Kind, parse, type FragmentDefinitionNode, type OperationDefinitionNode } from "graphql";
import { describe, expect, it } from "vitest";
import { selectionJsonSchema } from "../../src/operations/selection-json-schema.js";

// Issue 21: the output schema of an operation, read from its selection set.

const schema = buildSchema(`
  interface Node { id: ID! }
  type Model implements Node { id: ID! name: String! versions: [Int!] }
  type Run implements Node { id: ID! status: Status }
  enum Status { OK FAILED }
  union Result = Model | Run
  type Query { node(id: ID!): Node  search: [Result!]!  model: Model! }
`);

function schemaOf(text: string) {
  const document = parse(text);
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  const fragments = new Map(
    document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
  );
  return selectionJsonSchema(schema, operation, fragments);
}

describe("selectionJsonSchema", () => {
  it("O01: aliases are the keys; a field selected twice is merged; non-null fields refuse null", () => {
    expect(schemaOf(`query Q { m: model { name } model { id } model { versions } }`)).toEqual({
      type: "object",
      properties: {
        m: { type: "object", properties: { name: { type: "string" } }, required: ["name"] },
        model: {
          type: "object",
          properties: {
            id: { type: "string" },
            versions: { type: ["array", "null"], items: { type: "integer", minimum: -2147483648, maximum: 2147483647 } },
          },
          required: ["id", "versions"],
        },
      },
      required: ["m", "model"],
    });
  });

  it("O01: on an interface or a union, fields of a narrower type are optional and __typename lists the possible types", () => {
    expect(schemaOf(`query Q { node(id: "1") { __typename id ... on Model { name } ...R } } fragment R on Run { status }`)).toEqual({
      type: "object",
      properties: {
        node: {
          type: ["object", "null"],
          properties: {
            __typename: { type: "string", enum: ["Model", "Run"] },
            id: { type: "string" },
            name: { type: "string" },
            status: { type: ["string", "null"], enum: ["OK", "FAILED", null] },
          },
          required: ["__typename", "id"],
        },
      },
      required: ["node"],
    });
    expect(schemaOf(`query Q { search { ... on Node { id } ... on Model { name } } }`).properties).toEqual({
      search: {
        type: "array",
        items: { type: "object", properties: { id: { type: "string" }, name: { type: "string" } } },
      },
    });
  });

  it("O01: a field under @skip or @include is optional; a fragment on the same type is merged as required", () => {
    expect(schemaOf(`query Q($s: Boolean!) { model { ...F name @skip(if: $s) } } fragment F on Model { id }`).properties).toEqual({
      model: { type: "object", properties: { id: { type: "string" }, name: { type: "string" } }, required: ["id"] },
    });
  });
});
