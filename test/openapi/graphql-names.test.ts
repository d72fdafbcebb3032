import { describe, expect, it } from "vitest";
import { NameRegistry, toCamelCase, toEnumValueName, toSnakeRoundTripName, toTypeName } from "../../src/openapi/graphql-names.js";
import { toSnakeCase } from "../../src/sdl/build-schema-plan.js";

describe("toCamelCase", () => {
  it.each([
    ["find pet by id", "findPetById"],
    ["x-prefect-api-version", "xPrefectApiVersion"],
    ["dag_id", "dagId"],
    ["MODEL_NAME", "modelName"],
    ["petId", "petId"],
    ["HTTPStatus", "httpStatus"],
    ["1st", "_1st"],
    ["$top", "top"],
  ])("%s → %s", (input, expected) => expect(toCamelCase(input)).toBe(expected));
});

describe("toSnakeRoundTripName", () => {
  it.each([
    ["latest_version", "latestVersion"],
    ["name", "name"],
    ["v2_name", "v2Name"],
    ["top_5_items", undefined],
    ["fooBar_baz", undefined],
    ["fooBar", undefined],
    ["@type", undefined],
    ["__type", undefined],
    ["x_y_z", undefined],
  ])("%s → %s", (key, expected) => {
    const name = toSnakeRoundTripName(key);
    expect(name).toBe(expected);
    // Whatever it returns, the runtime's SNAKE_CASE naming must lead back to the key.
    if (name !== undefined) expect(toSnakeCase(name)).toBe(key);
  });
});

describe("toEnumValueName", () => {
  it.each([
    ["available", "available"],
    ["PENDING_REGISTRATION", "PENDING_REGISTRATION"],
    ["gpt-4o", "gpt_4o"],
    ["1024x1024", "_1024x1024"],
    ["true", "true_"],
    ["null", "null_"],
    ["asset conflict", "asset_conflict"],
    ["response.output_text.delta", "response_output_text_delta"],
    ["*/*", "EMPTY"],
    ["__private", "_private"],
  ])("%s → %s", (value, expected) => expect(toEnumValueName(value)).toBe(expected));
});

describe("toTypeName", () => {
  it.each([
    ["Pet", "Pet"],
    ["HTTPValidationError", "HTTPValidationError"],
    ["inference_request", "InferenceRequest"],
    ["State-Input", "StateInput"],
    ["v2beta1Run", "V2beta1Run"],
    ["Body_read_flows_flows_filter_post", "BodyReadFlowsFlowsFilterPost"],
    ["1Thing", "_1Thing"],
  ])("%s → %s", (input, expected) => expect(toTypeName(input)).toBe(expected));
});

describe("NameRegistry", () => {
  it("numbers names that are taken, starting at 2", () => {
    const names = new NameRegistry(["Query"]);
    expect([names.claim("Pet"), names.claim("Pet"), names.claim("Pet"), names.claim("Query")]).toEqual(["Pet", "Pet2", "Pet3", "Query2"]);
  });
});
