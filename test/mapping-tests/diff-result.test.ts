import { describe, expect, it } from "vitest";
import { diffJson, diffResult } from "../../src/mapping-tests/diff-result.js";

describe("diffJson", () => {
  const cases: Array<[string, unknown, unknown, string[]]> = [
    ["equal values", { a: [1, { b: "x" }] }, { a: [1, { b: "x" }] }, []],
    ["a differing leaf", { a: { b: 1 } }, { a: { b: 2 } }, ["data.a.b: expected 1, received 2"]],
    ["a missing key", { a: 1, b: 2 }, { a: 1 }, ["data.b: expected 2, missing"]],
    ["an extra key", { a: 1 }, { a: 1, c: "x" }, [`data.c: not expected, received "x"`]],
    ["a shorter list", [1, 2], [1], ["data[1]: expected 2, missing"]],
    ["a longer list", [1], [1, 2], ["data[1]: not expected, received 2"]],
    ["a type change", { a: "1" }, { a: 1 }, [`data.a: expected "1", received 1`]],
    ["null for an object", { a: { b: 1 } }, { a: null }, [`data.a: expected {"b":1}, received null`]],
  ];
  for (const [what, expected, received, lines] of cases)
    it(`M15: ${what}`, () => expect(diffJson(expected, received, "data")).toEqual(lines));
});

describe("diffResult", () => {
  const received = {
    data: null,
    errors: [
      { message: "b", code: "Y", path: ["y"] },
      { message: "a", code: "X", path: ["x", 0] },
    ],
  };
  it("M15: errors match in any order, each on the keys written", () => {
    expect(diffResult({ data: null, errors: [{ code: "X" }, { message: "b", path: ["y"] }] }, received)).toEqual([]);
  });
  it("M15: an expected error not received, and a received error not expected, are one line each", () => {
    expect(diffResult({ data: null, errors: [{ code: "X", path: ["x", 1] }] }, received)).toEqual([
      `errors[0]: expected {"code":"X","path":["x",1]}, not received`,
      `errors: received {"message":"b","code":"Y","path":["y"]}, not expected`,
      `errors: received {"message":"a","code":"X","path":["x",0]}, not expected`,
    ]);
  });
});
