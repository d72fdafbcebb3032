import { describe, expect, it } from "vitest";
import { formatDiagnostic } from "../../src/errors.js";
import { checkSchemaSources } from "../../src/sdl/check-schema.js";

/** `trestle check` of one Mutation field (line 4 of the file), against one upstream. */
function check(field: string): string[] {
  const sdl = [
    "scalar Upload",
    'extend schema @upstream(name: "ml", baseUrl: "http://127.0.0.1:1")',
    'type Query { ping: String @rest(path: "/ping") }',
    `type Mutation { ${field} }`,
  ].join("\n");
  return checkSchemaSources([{ name: "s.graphql", body: sdl }], {}).map(formatDiagnostic);
}

describe("trestle check of @rest(form:, formEncoding:) (issue #20)", () => {
  it("UP20: a multipart form with an Upload and text parts, and a URL-encoded one, check clean", () => {
    expect(
      check(
        'classify(model: String!, image: Upload!, topK: Int = 5): String @rest(method: POST, path: "/models/{args.model}/classify", form: [{ name: "file", value: "{args.image}" }, { name: "top_k", value: "{args.topK}" }])',
      ),
    ).toEqual([]);
    expect(
      check(
        'token(user: String!): String @rest(method: POST, path: "/token", formEncoding: URLENCODED, form: [{ name: "u", value: "{args.user}" }])',
      ),
    ).toEqual([]);
    expect(
      check('batch(files: [Upload!]!): String @rest(method: PUT, path: "/b", form: [{ name: "files", value: "{args.files}" }])'),
    ).toEqual([]);
  });

  it("UP20: body and form together are an error with file:line:col", () => {
    expect(
      check('a(x: String): String @rest(method: POST, path: "/a", body: "{args.x}", form: [{ name: "x", value: "{args.x}" }])'),
    ).toEqual(["s.graphql:4:94: @rest on Mutation.a has both body and form: a request has one body; keep one of them"]);
  });

  it("UP20: form on GET (the default method) and on HEAD is an error", () => {
    expect(check('a(x: String): String @rest(path: "/a", form: [{ name: "x", value: "{args.x}" }])')).toEqual([
      "s.graphql:4:62: @rest on Mutation.a: method GET cannot send a form; use method: POST (or PUT, PATCH)",
    ]);
    expect(check('a(x: String): String @rest(method: HEAD, path: "/a", form: [{ name: "x", value: "{args.x}" }])')).toEqual([
      "s.graphql:4:76: @rest on Mutation.a: method HEAD cannot send a form; use method: POST (or PUT, PATCH)",
    ]);
  });

  it("UP20: an Upload in a URL-encoded form is an error", () => {
    expect(
      check('a(f: Upload!): String @rest(method: POST, path: "/a", formEncoding: URLENCODED, form: [{ name: "f", value: "{args.f}" }])'),
    ).toEqual([
      's.graphql:4:103: @rest on Mutation.a: form part "f" sends Upload {args.f}, but formEncoding: URLENCODED carries text only; use MULTIPART',
    ]);
  });

  it("UP20: an Upload inside a longer template is an error (it must be the part's whole value)", () => {
    expect(check('a(f: Upload!): String @rest(method: POST, path: "/a", form: [{ name: "f", value: "file: {args.f}" }])')).toEqual([
      's.graphql:4:77: @rest on Mutation.a: form part "f" uses Upload {args.f} inside "file: {args.f}"; an Upload must be a part\'s whole value ("{args.f}")',
    ]);
  });

  it("UP20: a form value naming an unknown argument is an error, as in any template", () => {
    expect(check('a(f: Upload!): String @rest(method: POST, path: "/a", form: [{ name: "f", value: "{args.image}" }])')).toEqual([
      's.graphql:4:77: @rest uses {args.image}, but Mutation.a has no argument "image" (arguments: f)',
    ]);
  });

  it("UP20: formEncoding without form, and an empty form, are errors", () => {
    expect(check('a(x: String): String @rest(method: POST, path: "/a", formEncoding: URLENCODED)')).toEqual([
      "s.graphql:4:84: @rest on Mutation.a sets formEncoding without form: [{ name, value }]",
    ]);
    expect(check('a(x: String): String @rest(method: POST, path: "/a", form: [])')).toEqual([
      "s.graphql:4:76: @rest on Mutation.a: form lists no parts",
    ]);
  });
});
