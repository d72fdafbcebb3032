import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { useServedTrestle } from "../helpers/use-served-trestle.js";
import { answerUpstream, operationsSchema, writeOperations } from "./fixture.js";

// Issue 21: /api/openapi.json describes every operation, and a well-kept validator accepts it.

const operations = writeOperations();
const world = useServedTrestle({
  upstream: answerUpstream,
  schema: operationsSchema,
  options: { operations: operations.files, prefix: "/bff" },
});

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- reading a JSON document in a test

const readDocument = async (): Promise<Json> => {
  const response = await fetch(`http://127.0.0.1:${world.port}/bff/api/openapi.json`);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
  return (await response.json()) as Json;
};

describe("the OpenAPI document", () => {
  it("O01: is valid OpenAPI 3.1 (@seriousme/openapi-schema-validator) and lists every operation, under the prefix", async () => {
    const document = await readDocument();
    const validator = new Validator();
    const result = await validator.validate(document);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
    const methods = Object.fromEntries(Object.entries(document["paths"] as Json).map(([path, item]) => [path, Object.keys(item).sort()]));
    expect(methods).toEqual({
      "/bff/api/Item": ["get", "post"],
      "/bff/api/Search": ["get", "post"],
      "/bff/api/CreateItem": ["post"],
      "/bff/api/Slow": ["get", "post"],
      "/bff/api/Failing": ["get", "post"],
      "/bff/api/Limited": ["get", "post"],
    });
    const ids = Object.values(document["paths"] as Json).flatMap((item: Json) =>
      Object.values(item).map((operation: Json) => operation["operationId"]),
    );
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("O01: parameters and bodies follow the variable types; descriptions come from the operation's comments and the schema", async () => {
    const document = await readDocument();
    const item = document["paths"]["/bff/api/Item"];
    expect(item.get.summary).toBe("Looks up one item.");
    expect(item.get.description).toBe("Looks up one item.\nIts tags included.");
    expect(item.get.parameters).toEqual([
      {
        name: "id",
        in: "query",
        required: true,
        description: "The item's id, as the catalogue knows it.",
        schema: { type: "string" },
        style: "form",
        explode: true,
      },
    ]);
    const search = document["paths"]["/bff/api/Search"];
    expect(search.get.description).toBe("Searches with every kind of variable.");
    const parameters = Object.fromEntries((search.get.parameters as Json[]).map((p) => [p["name"], p]));
    expect(parameters["ids"]).toMatchObject({
      required: false,
      schema: { type: ["array", "null"], items: { type: "string" } },
      explode: true,
    });
    expect(parameters["color"].schema).toEqual({ type: ["string", "null"], enum: ["RED", "GREEN", null] });
    expect(parameters["filter"]).toEqual({
      name: "filter",
      in: "query",
      required: false,
      content: { "application/json": { schema: { anyOf: [{ $ref: "#/components/schemas/ItemFilter" }, { type: "null" }] } } },
    });
    expect(parameters["rows"].content).toBeDefined();
    const create = document["paths"]["/bff/api/CreateItem"].post;
    expect(create.requestBody).toEqual({
      required: true,
      content: {
        "application/json": {
          schema: {
            type: "object",
            properties: { input: { $ref: "#/components/schemas/NewItem" } },
            additionalProperties: false,
            required: ["input"],
          },
        },
      },
    });
    expect(document["components"]["schemas"]["NewItem"]).toEqual({
      type: "object",
      properties: { name: { type: "string" }, color: { type: ["string", "null"], enum: ["RED", "GREEN", null] } },
      required: ["name"],
      additionalProperties: false,
    });
  });

  it("O01: the 200 schema is the selection set's (fragments and __typename included); errors are problem JSON", async () => {
    const document = await readDocument();
    const responses = document["paths"]["/bff/api/CreateItem"].post.responses;
    expect(responses["200"].content["application/json"].schema.properties.createItem).toMatchObject({
      type: ["object", "null"],
      properties: { __typename: { enum: ["Item"] }, id: { type: "string" }, tags: { type: "array" } },
    });
    expect(responses["502"].content["application/problem+json"].schema).toEqual({ $ref: "#/components/schemas/Problem" });
    expect(document["components"]["schemas"]["Problem"].required).toEqual(["type", "title", "status", "detail"]);
  });

  it("O01: what the document says is what the endpoint takes: its GET answers with the documented keys", async () => {
    const response = await fetch(`http://127.0.0.1:${world.port}/bff/api/Item?id=4`);
    const body = (await response.json()) as Json;
    const documented = (await readDocument())["paths"]["/bff/api/Item"].get.responses["200"].content["application/json"].schema;
    expect(Object.keys(body["item"]).sort()).toEqual(Object.keys(documented.properties.item.properties).sort());
  });
});
