import { describe, expect, it } from "vitest";
import { findJsonSyntaxError } from "../../src/openapi/find-json-syntax-error.js";
import { locatePointer } from "../../src/openapi/locate-pointer.js";
import { parseDocumentText } from "../../src/openapi/parse-document-text.js";

describe("parseDocumentText", () => {
  it("reads YAML 1.2: dates and y stay strings, a bare null is null, merge keys merge", () => {
    const text =
      "a: 2024-01-01\nrequired: [x, y]\nenum: [success, null]\nbase: &base { type: string }\nmerged: { <<: *base, format: uuid }\n";
    expect(parseDocumentText(text, "spec.yaml")).toEqual({
      a: "2024-01-01",
      required: ["x", "y"],
      enum: ["success", null],
      base: { type: "string" },
      merged: { type: "string", format: "uuid" },
    });
  });

  it("reads JSON, a byte-order mark included", () => {
    expect(parseDocumentText('\uFEFF{"openapi": "3.1.0"}', "spec.json")).toEqual({ openapi: "3.1.0" });
  });

  it.each([
    ["spec.json", '{\n  "a": 1,\n}', 'spec.json:3:1: JSON syntax error: expected a property name in double quotes, found "}"'],
    ["spec.json", '{"a": tru}', 'spec.json:1:7: JSON syntax error: expected a value, found "t"'],
    ["spec.json", '{"a": 1', "spec.json:1:8: JSON syntax error: expected ',' or '}', found end of input"],
    ["spec.json", '{"a": "line\nbreak"}', "spec.json:1:12: JSON syntax error: control character in a string (escape it)"],
    ["spec.json", '{"a": 1} x', 'spec.json:1:10: JSON syntax error: unexpected "x" after the JSON value'],
    ["spec.yaml", "a: [1, 2\nb: 3\n", /^spec\.yaml:2:1: YAML syntax error: .+/],
    ["spec.yaml", "a: 1\na: 2\n", "spec.yaml:2:1: YAML syntax error: Map keys must be unique"],
  ])("%s: %j fails with its place", (location, text, expected) => {
    let message = "";
    try {
      parseDocumentText(text, location);
    } catch (error) {
      message = (error as Error).message;
    }
    if (typeof expected === "string") expect(message).toBe(expected);
    else expect(message).toMatch(expected);
    expect(message).not.toContain("\n");
  });

  it("finds no error in valid JSON", () => {
    expect(findJsonSyntaxError('{"a": [1, -2.5e3, true, null, "\\u00e9\\n"], "b": {}}')).toBeUndefined();
  });
});

describe("locatePointer", () => {
  const text = "openapi: 3.1.0\npaths:\n  /pets:\n    get:\n      responses:\n        200:\n          description: ok\n";
  it.each([
    ["#/paths/~1pets/get", { line: 4, col: 5 }],
    ["#/paths/~1pets/get/responses/200/description", { line: 7, col: 24 }],
    ["#/paths/~1pets/get/missing/deeper", { line: 4, col: 5 }],
    ["#", { line: 1, col: 1 }],
  ])("%s", (pointer, expected) => expect(locatePointer(text, pointer)).toEqual(expected));
});
