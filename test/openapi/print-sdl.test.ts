import { describe, expect, it } from "vitest";
import { block, getReturning, importAndBuild, openapi31 } from "./build-imported-schema.js";

describe("printing descriptions and comments", () => {
  it.each([
    ["block quotes inside", 'Say """hi""" twice.', '"""Say \\"""hi\\""" twice."""'],
    ["a trailing quote", 'Ends with a "quote"', '"""\n  Ends with a "quote"\n  """'],
    ["CRLF and control characters", "Line one\r\nLine\u0007 two\u0000", '"""\n  Line one\n  Line two\n  """'],
    ["backslashes, kept as written", "C:\\models\\new", '"""C:\\models\\new"""'],
    ["blank text, left out", "   ", "value: String"],
  ])("%s", (_, description, expected) => {
    const doc = openapi31(
      { "/thing": getReturning({ $ref: "#/components/schemas/Thing" }) },
      { Thing: { type: "object", properties: { value: { type: "string", description } } } },
    );
    expect(block(importAndBuild(doc).sdl, "type Thing")).toContain(expected);
  });

  it("keeps a title with line breaks on one comment line", () => {
    const doc = openapi31({ "/thing": getReturning({ type: "string" }) }, {}, { info: { title: "Two\nlines", version: "1" } });
    expect(importAndBuild(doc).sdl.split("\n")[0]).toBe('# Imported by `trestle import openapi` from "Two\\nlines" 1 (OpenAPI 3.1.0).');
  });

  it("escapes directive strings the GraphQL way", () => {
    const doc = openapi31({
      '/say/"{word}"\u2028': {
        get: {
          operationId: "say",
          parameters: [{ name: "word", in: "path", required: true, schema: { type: "string" } }],
          responses: { "200": { description: "ok", content: { "application/json": { schema: { type: "string" } } } } },
        },
      },
    });
    expect(importAndBuild(doc).sdl).toContain('path: "/say/\\"{args.word}\\"\\u2028"');
  });
});
