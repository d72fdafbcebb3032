import { isAbstractType } from "graphql";
import { describe, expect, it } from "vitest";
import { createTypeResolver } from "../../src/connector/create-type-resolver.js";
import { planOf } from "./plan-fixture.js";

// Table tests for picking a union or interface member from plain JSON (src/connector/create-type-resolver.ts).

const plan = planOf(/* GraphQL */ `
  extend schema @upstream(name: "api", baseUrl: "http://api.test", naming: SNAKE_CASE)
  type Query {
    events: [Event!]! @rest(path: "/events")
    shapes: [Shape!]! @rest(path: "/shapes")
  }
  union Event = Click | Key | Scroll
  type Click {
    xPos: Int!
    yPos: Int!
  }
  type Key {
    keyCode: String!
    repeat: Boolean
  }
  type Scroll {
    delta: Int
    page: Int
  }
  interface Shape {
    id: ID!
  }
  type Circle implements Shape {
    id: ID!
    radius: Float!
  }
  type Square implements Shape {
    id: ID!
    side: Float!
    label: String @from(path: "meta.label")
  }
`);
const resolverFor = (name: string) => {
  const type = plan.schema.getType(name);
  if (!isAbstractType(type)) throw new Error(`${name} is not abstract`);
  return createTypeResolver(type, plan.schema, plan);
};

describe("createTypeResolver: union Event", () => {
  const resolve = resolverFor("Event");
  it.each<[unknown, string | undefined]>([
    [{ x_pos: 1, y_pos: 2 }, "Click"],
    [{ key_code: "Enter" }, "Key"],
    [{ key_code: "Enter", repeat: true }, "Key"],
    [{ delta: 3 }, "Scroll"],
    [{ __typename: "Key" }, "Key"],
    [{ __typename: "Scroll", x_pos: 1, y_pos: 2 }, "Scroll"],
    [{ __typename: "Admin", x_pos: 1, y_pos: 2 }, "Click"],
    [{ __typename: 42, key_code: "a" }, "Key"],
    [{ x_pos: 1 }, "Scroll"],
    [{ xPos: 1, yPos: 2 }, "Click"],
    [{}, "Scroll"],
    [null, undefined],
    [undefined, undefined],
    ["Click", undefined],
    [7, undefined],
  ])("%j → %s", (value, expected) => {
    expect(resolve(value)).toBe(expected);
  });
});

describe("createTypeResolver: interface Shape", () => {
  const resolve = resolverFor("Shape");
  it.each<[unknown, string | undefined]>([
    [{ id: "1", radius: 2 }, "Circle"],
    [{ id: "1", side: 2 }, "Square"],
    [{ id: "1", side: 2, meta: { label: "x" } }, "Square"],
    [{ id: "1", radius: 2, side: 2, meta: { label: "x" } }, "Square"],
    [{ id: "1", radius: null }, "Circle"],
  ])("%j → %s", (value, expected) => {
    expect(resolve(value)).toBe(expected);
  });
});
