import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { query } from "../helpers/graphql.js";
import { sendJson, startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";

// What the OpenAPI importer emits, served: unions and interfaces over plain JSON (no
// __typename), and enum values whose wire form is not a GraphQL name (@enumValue).
let upstream: TestUpstream;
let trestle: Trestle;

beforeAll(async () => {
  upstream = await startTestUpstream((req, res) => {
    if (req.url === "/events") {
      return sendJson(res, 200, [
        { kind: "click", x_pos: 3, y_pos: 4 },
        { kind: "key", key_code: "Enter" },
        { __typename: "KeyEvent", kind: "key" },
      ]);
    }
    if (req.url.startsWith("/models?"))
      return sendJson(res, 200, [{ id: 1, family: req.url.split("=")[1] === "gpt-4o" ? "gpt-4o" : "1024x1024" }]);
    sendJson(res, 404, {});
  });
  trestle = await createTestTrestle(/* GraphQL */ `
    extend schema @upstream(name: "api", baseUrl: "${upstream.url}", naming: SNAKE_CASE)
    type Query {
      events: [Event!]! @rest(path: "/events")
      things: [Thing!]! @rest(path: "/events")
      models(family: Family!): [Model!]! @rest(path: "/models?family={args.family}")
    }
    union Event = ClickEvent | KeyEvent
    interface Thing { kind: String! }
    type ClickEvent implements Thing { kind: String!, xPos: Int!, yPos: Int! }
    type KeyEvent implements Thing { kind: String!, keyCode: String }
    enum Family { GPT_4O @enumValue(value: "gpt-4o") SIZE_1024 @enumValue(value: "1024x1024") plain }
    type Model { id: ID!, family: Family! }
  `);
});
afterAll(async () => {
  await trestle.close();
  await upstream.close();
});

describe("abstract types and renamed enum values", () => {
  it("resolves union members by the fields their JSON has, and by __typename", async () => {
    const result = await query(trestle, `{ events { __typename ... on ClickEvent { xPos yPos } ... on KeyEvent { keyCode } } }`);
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({
      events: [
        { __typename: "ClickEvent", xPos: 3, yPos: 4 },
        { __typename: "KeyEvent", keyCode: "Enter" },
        { __typename: "KeyEvent", keyCode: null },
      ],
    });
  });

  it("resolves interface implementations the same way", async () => {
    const result = await query(trestle, `{ things { __typename kind } }`);
    expect(result.data).toEqual({
      things: [
        { __typename: "ClickEvent", kind: "click" },
        { __typename: "KeyEvent", kind: "key" },
        { __typename: "KeyEvent", kind: "key" },
      ],
    });
  });

  it("sends an enum argument's wire value and maps answers back to the GraphQL name", async () => {
    const result = await query(trestle, `{ a: models(family: GPT_4O) { family } b: models(family: SIZE_1024) { family } }`);
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ a: [{ family: "GPT_4O" }], b: [{ family: "SIZE_1024" }] });
    expect(
      upstream.requests
        .map((r) => r.url)
        .filter((url) => url.startsWith("/models"))
        .sort(),
    ).toEqual(["/models?family=1024x1024", "/models?family=gpt-4o"]);
  });

  it("hides @enumValue from clients", async () => {
    const result = await query(trestle, `{ __type(name: "Family") { enumValues { name } } }`);
    expect(result.data).toEqual({ __type: { enumValues: [{ name: "GPT_4O" }, { name: "SIZE_1024" }, { name: "plain" }] } });
  });
});
