import { describe, expect, it } from "vitest";
import { formatDiagnostic } from "../../src/index.js";
import { checkSchemaSources } from "../../src/sdl/check-schema.js";
import { planOf } from "../connector/plan-fixture.js";

// `errors: { expose, detail }` on @upstream and @rest (src/sdl/read-error-exposure.ts): what
// `trestle check` refuses, exactly, and what the plan holds (a field's setting replaces the
// upstream's whole).

function check(sdl: string): string[] {
  return checkSchemaSources([{ name: "s.graphql", body: sdl }], {}).map(formatDiagnostic);
}

const on = (errors: string) => `extend schema @upstream(name: "ml", baseUrl: "http://127.0.0.1:4010", errors: ${errors})
type Query { a: Int @rest(path: "/a") }`;
const onField = (errors: string) => `extend schema @upstream(name: "ml", baseUrl: "http://127.0.0.1:4010")
type Query { a: Int @rest(path: "/a", errors: ${errors}) }`;

describe("trestle check refuses errors: it cannot honour", () => {
  it.each([
    [
      "a 5xx status",
      on("{ expose: [422, 500] }"),
      [
        's.graphql:1:95: @upstream "ml" errors.expose lists 500, but only 4xx statuses (400–499) can be exposed: 5xx bodies are the upstream\'s own failures and are never shown',
      ],
    ],
    [
      "a 2xx and a 3xx status",
      on("{ expose: [200, 302] }"),
      [
        's.graphql:1:90: @upstream "ml" errors.expose lists 200, but only 4xx statuses (400–499) can be exposed: not a 4xx status',
        's.graphql:1:95: @upstream "ml" errors.expose lists 302, but only 4xx statuses (400–499) can be exposed: not a 4xx status',
      ],
    ],
    ["a duplicate", on("{ expose: [422, 409, 422] }"), ['s.graphql:1:100: @upstream "ml" errors.expose lists 422 twice']],
    [
      "an empty detail path",
      on('{ expose: [422], detail: "" }'),
      [
        's.graphql:1:104: @upstream "ml" errors.detail "" is not a dot path like "detail" or "error.details" (the details\' place in a JSON body)',
      ],
    ],
    [
      "a detail path with an empty segment",
      onField('{ expose: [409], detail: "error..details" }'),
      [
        's.graphql:2:72: @rest on Query.a errors.detail "error..details" is not a dot path like "detail" or "error.details" (the details\' place in a JSON body)',
      ],
    ],
    [
      "a 5xx on a field",
      onField("{ expose: [503] }"),
      [
        "s.graphql:2:58: @rest on Query.a errors.expose lists 503, but only 4xx statuses (400–499) can be exposed: 5xx bodies are the upstream's own failures and are never shown",
      ],
    ],
    ["expose missing", onField('{ detail: "detail" }'), ['s.graphql:2:47: @rest(errors:) has invalid value {detail: "detail"}']],
  ])("%s", (_name, sdl, expected) => {
    expect(check(sdl)).toEqual(expected);
  });

  it("accepts 4xx statuses, an empty list and a dot path", () => {
    expect(check(on('{ expose: [400, 403, 409, 422, 499], detail: "error.details" }'))).toEqual([]);
    expect(check(onField("{ expose: [] }"))).toEqual([]);
  });
});

describe("the plan: upstream-wide, overridden per field", () => {
  const plan = planOf(/* GraphQL */ `
    extend schema @upstream(name: "ml", baseUrl: "http://127.0.0.1:4010", errors: { expose: [422, 409] })
    extend schema @upstream(name: "quiet", baseUrl: "http://127.0.0.1:4011")
    type Query {
      inherits: Int @rest(upstream: "ml", path: "/a")
      own: Int @rest(upstream: "ml", path: "/b", errors: { expose: [403], detail: "error.message" })
      off: Int @rest(upstream: "ml", path: "/c", errors: { expose: [] })
      none: Int @rest(upstream: "quiet", path: "/d")
    }
  `);
  const errorsOf = (field: string) => {
    const errors = plan.restFields.find((rest) => rest.fieldName === field)?.errors;
    return errors && { statuses: [...errors.statuses], detail: errors.detail };
  };

  it.each([
    ["inherits", { statuses: [422, 409], detail: ["detail"] }],
    ["own", { statuses: [403], detail: ["error", "message"] }],
    ["off", { statuses: [], detail: ["detail"] }],
    ["none", undefined],
  ])("%s → %j", (field, expected) => {
    expect(errorsOf(field)).toEqual(expected);
  });
});
