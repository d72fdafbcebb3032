import { describe, expect, it } from "vitest";
import { checkSchemaSources } from "../../src/sdl/check-schema.js";
import { findPatternRisk } from "../../src/sdl/find-pattern-risk.js";

// `trestle check` on @constraint (src/sdl/read-constraints.ts): every problem is reported at its
// place, and what passes is what the runtime can check safely.

function check(fields: string, inputs = ""): string[] {
  const body = /* GraphQL */ `
    extend schema @upstream(name: "ml", baseUrl: "http://127.0.0.1:8000")
    type Query {
      ${fields}
    }
    type Model { name: String }
    ${inputs}
  `;
  return checkSchemaSources([{ name: "c.graphql", body }], {}).map((d) => `${d.severity} ${d.line}:${d.column} ${d.message}`);
}

describe("trestle check on @constraint", () => {
  it("accepts the bounds each type can have", () => {
    expect(
      check(
        `models(
          limit: Int @constraint(min: 1, max: 100)
          q: String @constraint(minLength: 2, maxLength: 64, pattern: "^[a-z0-9-]+$")
          ids: [ID!] @constraint(minItems: 1, maxItems: 50, maxLength: 36)
          t: Float @constraint(exclusiveMin: 0, exclusiveMax: 1)
          input: ModelInput
        ): [Model] @rest(path: "/models")`,
        `input ModelInput { values: [Float!]! @constraint(minItems: 1, min: 0) }`,
      ),
    ).toEqual([]);
  });

  it("refuses bounds that leave no value, naming both", () => {
    expect(check(`models(limit: Int @constraint(min: 10, max: 1)): [Model] @rest(path: "/models")`)).toEqual([
      "error 4:42 @constraint on Query.models(limit:): min 10 and max 1 leave no value allowed",
    ]);
    expect(check(`models(t: Float @constraint(exclusiveMin: 1, exclusiveMax: 1)): [Model] @rest(path: "/models")`)).toEqual([
      "error 4:49 @constraint on Query.models(t:): exclusiveMin 1 and exclusiveMax 1 leave no value allowed",
    ]);
    expect(check(`models(q: String @constraint(minLength: 5, maxLength: 2)): [Model] @rest(path: "/models")`)[0]).toContain(
      "minLength 5 and maxLength 2 leave no value allowed",
    );
    expect(check(`models(q: String @constraint(maxLength: -1)): [Model] @rest(path: "/models")`)[0]).toContain(
      "maxLength must be 0 or more, received -1",
    );
  });

  it("refuses bounds the type cannot have", () => {
    expect(check(`models(limit: Int @constraint(minLength: 2)): [Model] @rest(path: "/models")`)).toEqual([
      "error 4:48 @constraint on Query.models(limit:): minLength bounds strings, and Query.models(limit:) is Int",
    ]);
    expect(check(`models(q: String @constraint(minItems: 1)): [Model] @rest(path: "/models")`)[0]).toContain(
      "minItems bounds a list, and Query.models(q:) is String",
    );
    expect(check(`models(b: Boolean @constraint(max: 1)): [Model] @rest(path: "/models")`)[0]).toContain("max bounds numbers");
  });

  it("refuses patterns that do not compile, are longer than 1000 characters, or could backtrack for ever", () => {
    expect(check(`models(q: String @constraint(pattern: "[a-z")): [Model] @rest(path: "/models")`)[0]).toMatch(
      /error 4:45 @constraint on Query.models\(q:\): pattern "\[a-z" does not compile: /,
    );
    const long = "a".repeat(1001);
    expect(check(`models(q: String @constraint(pattern: "${long}")): [Model] @rest(path: "/models")`)[0]).toContain(
      "is 1001 characters long; at most 1000 can be checked",
    );
    expect(check(`models(q: String @constraint(pattern: "^(a+)+$")): [Model] @rest(path: "/models")`)).toEqual([
      'error 4:45 @constraint on Query.models(q:): pattern "^(a+)+$" could take exponential time on some inputs (a repeated group holding a quantifier): rewrite it or leave it out',
    ]);
  });

  it("warns about a constraint that is never checked or says nothing", () => {
    expect(check(`models(limit: Int @constraint(max: 5)): [Model]`)).toEqual([
      "warning 4:25 @constraint on Query.models(limit:) is never checked: only the arguments of @rest fields are",
    ]);
    expect(check(`models(limit: Int @constraint): [Model] @rest(path: "/models")`)[0]).toContain("sets no bound");
  });
});

describe("the safe pattern subset", () => {
  it.each([
    ["(a+)+", "a repeated group holding a quantifier"],
    ["^(\\w+\\s?)*$", "a repeated group holding a quantifier"],
    ["(a|ab)*", "a repeated group holding an alternation"],
    ["(.*a){12}", "a repeated group holding a quantifier"],
    ["(?<n>a+)+", "a repeated group holding a quantifier"],
    ["(a+){1,}$", "a repeated group holding a quantifier"],
    ["(a+){0,}", "a repeated group holding a quantifier"],
    ["(a|ab){0,}", "a repeated group holding an alternation"],
    ["(a+){2}", "a repeated group holding a quantifier"],
    ["((a)b+)*", "a repeated group holding a quantifier"],
    ["(x)\\1", "a backreference"],
    ["(?<x>a)\\k<x>", "a backreference"],
  ])("refuses %s (%s)", (pattern, why) => {
    expect(findPatternRisk(pattern)).toBe(why);
  });

  it.each([
    "^[a-zA-Z0-9_-]+$",
    "^tunnel_[a-z0-9]{32}$",
    "^(\\+?\\d{1,3})?$",
    "(?:a|b)",
    "[(]+",
    "\\(a+\\)+",
    "^[^/%&><]+$",
    "a{2,}",
    "(a+){1}",
    "(a|b){0,1}",
  ])("allows %s", (pattern) => {
    expect(findPatternRisk(pattern)).toBeUndefined();
  });
});
