import { buildSchema, type GraphQLInputObjectType, type GraphQLInputType } from "graphql";
import { describe, expect, it } from "vitest";
import { inputTypeAt, toUpstreamInput } from "../../src/connector/map-input.js";

// Table tests for snake_case input mapping (src/connector/map-input.ts).

const schema = buildSchema(/* GraphQL */ `
  scalar JSON
  input NewUser {
    firstName: String
    homeAddress: Address
    pastAddresses: [Address!]
    extra: JSON
    tags: [String]
  }
  input Address {
    streetName: String
    zipCode: Int
  }
  type Query {
    x(input: NewUser): Int
  }
`);
const newUser = schema.getType("NewUser") as GraphQLInputObjectType;
const field = (name: string) => newUser.getFields()[name]!.type;

describe("toUpstreamInput", () => {
  it.each<[string, unknown, GraphQLInputType | undefined, unknown]>([
    ["an input object", { firstName: "a" }, newUser, { first_name: "a" }],
    ["nested objects", { homeAddress: { streetName: "s", zipCode: 1 } }, newUser, { home_address: { street_name: "s", zip_code: 1 } }],
    [
      "a list of objects",
      { pastAddresses: [{ streetName: "a" }, { streetName: "b" }] },
      newUser,
      { past_addresses: [{ street_name: "a" }, { street_name: "b" }] },
    ],
    ["a JSON scalar is left untouched", { extra: { someKey: { innerKey: 1 } } }, newUser, { extra: { someKey: { innerKey: 1 } } }],
    ["a list of scalars", { tags: ["aB", "cD"] }, newUser, { tags: ["aB", "cD"] }],
    [
      "a key the type does not declare is renamed, its value kept",
      { unknownKey: { deepKey: 1 } },
      newUser,
      { unknown_key: { deepKey: 1 } },
    ],
    ["null", null, newUser, null],
    ["undefined", undefined, newUser, undefined],
    ["no type", { firstName: "a" }, undefined, { firstName: "a" }],
    ["a scalar where an object is typed", "text", newUser, "text"],
    ["a single value where a list is typed (coerced as one item)", { streetName: "a" }, field("pastAddresses"), { street_name: "a" }],
    ["a null inside a list", [null, { zipCode: 2 }], field("pastAddresses"), [null, { zip_code: 2 }]],
  ])("%s", (_case, value, type, expected) => {
    expect(toUpstreamInput(value, type)).toEqual(expected);
  });

  it("does not change the value it was given", () => {
    const value = { homeAddress: { streetName: "s" } };
    toUpstreamInput(value, newUser);
    expect(value).toEqual({ homeAddress: { streetName: "s" } });
  });
});

describe("inputTypeAt", () => {
  it.each<[string[], string | undefined]>([
    [[], "NewUser"],
    [["homeAddress"], "Address"],
    [["homeAddress", "zipCode"], "Int"],
    [["pastAddresses"], "[Address!]"],
    [["pastAddresses", "streetName"], "String"],
    [["missing"], undefined],
    [["firstName", "deeper"], undefined],
  ])("NewUser at %j → %s", (path, expected) => {
    expect(inputTypeAt(newUser, path)?.toString()).toBe(expected);
  });

  it("an undefined type stays undefined", () => {
    expect(inputTypeAt(undefined, ["a"])).toBeUndefined();
  });
});
