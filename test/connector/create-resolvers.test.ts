import type { GraphQLResolveInfo } from "graphql";
import { describe, expect, it } from "vitest";
import { createResolvers, type ResolverMap, type TrestleResolverContext } from "../../src/connector/create-resolvers.js";
import { jsonAnswer, operationAnswering, planOf } from "./plan-fixture.js";

// Table tests for the field resolvers (src/connector/create-resolvers.ts): what each answer
// becomes for a nullable, non-null, Boolean or `select` field. The send step is replaced by a
// canned answer; the HTTP path itself is covered in test/e2e/.

const plan = planOf(/* GraphQL */ `
  extend schema @upstream(name: "api", baseUrl: "http://api.test", naming: SNAKE_CASE)
  type Query {
    item(id: ID!): Item @rest(path: "/items/{args.id}")
    must(id: ID!): Item! @rest(path: "/items/{args.id}")
    wrapped(id: ID!): Item @rest(path: "/wrapped/{args.id}", select: "data.item")
    remove(id: ID!): Boolean @rest(method: DELETE, path: "/items/{args.id}")
  }
  type Item {
    id: ID
    displayName: String
    label: String @from(path: "meta.label")
    owner: Owner @rest(path: "/owners/{parent.owner_id}")
  }
  type Owner {
    id: ID
  }
  enum Size {
    SMALL @enumValue(value: "s")
    LARGE @enumValue(value: "1024x1024")
  }
  union Thing = Item | Owner
  type Mutation {
    size(s: Size): Size @rest(method: POST, path: "/size?s={args.s}")
  }
`);
const resolvers: ResolverMap = createResolvers(plan, plan.schema);
type FieldResolver = (parent: unknown, args: Record<string, unknown>, context: TrestleResolverContext, info: GraphQLResolveInfo) => unknown;
const resolverOf = (type: string, field: string) => resolvers[type]![field] as FieldResolver;

async function expectResolved(
  coordinate: string,
  args: Record<string, unknown>,
  status: number,
  body: unknown,
  parent: unknown = undefined,
) {
  const [type, field] = coordinate.split(".") as [string, string];
  const { operation, sent } = operationAnswering(() => jsonAnswer(status, body));
  try {
    const value = await resolverOf(type, field)(parent, args, { trestle: operation }, {} as GraphQLResolveInfo);
    return expect({ value, sent: sent.map((r) => `${r.method} ${r.path}`) });
  } catch (error) {
    const { code, message } = error as { code: string; message: string };
    return expect({ code, message, sent: sent.map((r) => `${r.method} ${r.path}`) });
  }
}

describe("createResolvers: the resolver map", () => {
  it("has a resolver for every @rest field, for keys read under another name, __resolveType for unions, and enum wire values", () => {
    expect(Object.keys(resolvers.Query!).sort()).toEqual(["item", "must", "remove", "wrapped"]);
    expect(Object.keys(resolvers.Item!).sort()).toEqual(["displayName", "label", "owner"]);
    expect(typeof resolvers.Thing!["__resolveType"]).toBe("function");
    expect(resolvers.Size).toEqual({ SMALL: "s", LARGE: "1024x1024" });
  });

  it.each([
    ["displayName", { display_name: "snake" }, "snake"],
    ["displayName", { displayName: "camel" }, "camel"],
    ["displayName", { display_name: "snake", displayName: "camel" }, "snake"],
    ["displayName", {}, undefined],
    ["label", { meta: { label: "deep" } }, "deep"],
    ["label", { meta: null }, undefined],
    ["label", null, undefined],
  ])("Item.%s of %j → %j", (field, parent, expected) => {
    expect(resolverOf("Item", field)(parent, {}, {} as TrestleResolverContext, {} as GraphQLResolveInfo)).toEqual(expected);
  });
});

describe("createResolvers: what an answer becomes", () => {
  it.each([
    ["Query.item", 200, { id: "1" }, { id: "1" }],
    ["Query.item", 404, {}, null],
    ["Query.item", 200, null, null],
    ["Query.wrapped", 200, { data: { item: { id: "w" } } }, { id: "w" }],
    ["Query.wrapped", 200, { data: {} }, null],
    ["Query.wrapped", 200, [1, 2], null],
    ["Query.remove", 204, undefined, true],
    ["Query.remove", 200, false, false],
    ["Query.must", 200, { id: "1" }, { id: "1" }],
  ])("%s: upstream %i %j → %j", async (coordinate, status, body, value) => {
    (await expectResolved(coordinate, { id: "1" }, status, body)).toEqual({ value, sent: [expect.stringMatching(/\/1$/)] });
  });

  it.each([
    ["Query.must", 404, {}, "UPSTREAM_ERROR", 'Upstream "api" answered 404 for non-null field Query.must.'],
    ["Query.item", 500, {}, "UPSTREAM_ERROR", 'Upstream "api" answered 500.'],
    ["Query.item", 200, "<html>", "UPSTREAM_BAD_RESPONSE", 'Upstream "api" answered with malformed JSON.'],
  ])("%s: upstream %i %j → %s", async (coordinate, status, body, code, message) => {
    (await expectResolved(coordinate, { id: "1" }, status, body)).toEqual({ code, message, sent: ["GET /items/1"] });
  });

  it.each([
    [{ id: ".." }, "BAD_USER_INPUT"],
    [{ id: "" }, "BAD_USER_INPUT"],
  ])("a bad argument %j is %s and nothing is sent", async (args, code) => {
    (await expectResolved("Query.item", args, 200, {})).toMatchObject({ code, sent: [] });
  });

  it.each([
    [{ owner_id: "o1" }, { value: { id: "o" }, sent: ["GET /owners/o1"] }],
    [{ owner_id: null }, { value: null, sent: [] }],
    [{}, { value: null, sent: [] }],
  ])("Item.owner with parent %j → %j", async (parent, expected) => {
    (await expectResolved("Item.owner", {}, 200, { id: "o" }, parent)).toEqual(expected);
  });

  it("the enum's wire value is what the template sends", async () => {
    (await expectResolved("Mutation.size", { s: "1024x1024" }, 200, '"1024x1024"')).toEqual({
      value: "1024x1024",
      sent: ["POST /size?s=1024x1024"],
    });
  });
});
