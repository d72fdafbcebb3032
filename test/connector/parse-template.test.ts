import { describe, expect, it } from "vitest";
import { parseTemplate, readPath } from "../../src/template/parse-template.js";

// Table tests for the template parser (src/connector/parse-template.ts).

/** The variables found, as `root:path[:fallback][*]`, and the problems' messages. */
function expectParsed(source: string, options: { literalBraces?: boolean } = {}) {
  const { template, problems } = parseTemplate(source, options);
  const variables = template.variables.map(
    (v) => `${v.root}:${v.path.join(".")}${v.fallback === undefined ? "" : `:${v.fallback}`}${v.explode ? "*" : ""}@${v.offset}`,
  );
  const literal = template.parts.filter((p) => typeof p === "string").join("");
  return expect({ variables, literal, problems: problems.map((p) => p.message) });
}

describe("parseTemplate: valid templates", () => {
  it.each([
    ["/users", [], "/users"],
    ["/users/{args.id}", ["args:id@7"], "/users/"],
    ["/users/{args.input.name}/x", ["args:input.name@7"], "/users//x"],
    ["/u/{parent.owner_id}", ["parent:owner_id@3"], "/u/"],
    ["/u/{parent.owner-id}", ["parent:owner-id@3"], "/u/"],
    ["/u/{parent.$ref}", ["parent:$ref@3"], "/u/"],
    ["?k={env.API_KEY}", ["env:API_KEY@3"], "?k="],
    ["?k={env.API_KEY:-}", ["env:API_KEY:@3"], "?k="],
    ["?k={env.API_KEY:-dev key}", ["env:API_KEY:dev key@3"], "?k="],
    ["?t={header.X-Tenant}", ["header:x-tenant@3"], "?t="],
    ["?t={context.tenant.id}", ["context:tenant.id@3"], "?t="],
    ["/owners?ids={keys}", ["keys:@12"], "/owners?ids="],
    ["/owners?id={keys*}", ["keys:*@11"], "/owners?id="],
    ["/a/{args.x}{args.y}", ["args:x@3", "args:y@11"], "/a/"],
  ])("%s → %j", (source, variables, literal) => {
    expectParsed(source).toEqual({ variables, literal, problems: [] });
  });

  it("keeps the exact source of each variable, braces included", () => {
    const { template } = parseTemplate("/a/{env.X:-y}/{keys*}");
    expect(template.variables.map((v) => v.source)).toEqual(["{env.X:-y}", "{keys*}"]);
    expect(template.parts).toHaveLength(4);
  });
});

describe("parseTemplate: every malformed template is a problem with its offset", () => {
  it.each([
    ["an unknown root", "/u/{arg.id}", /^malformed template near "\{arg\.id\}"/],
    ["an unclosed variable", "/u/{args.id", /^malformed template near "\{args\.id"/],
    ["a stray closing brace", "/u/}", /^malformed template near "\}"/],
    ["an empty variable", "/u/{}", /^malformed template/],
    ["a root without a name", "/u/{args.}", /is not a valid variable/],
    ["an args name with a dash", "/u/{args.a-b}", /\{args\.a-b\} is not a valid variable: expected \{args\.name\} or a dot path/],
    ["an args name with a space", "/u/{args.a b}", /is not a valid variable/],
    ["an empty dot path step", "/u/{args.a..b}", /is not a valid variable/],
    ["a context path with a dash", "/u/{context.a-b}", /is not a valid variable/],
    ["an env name starting with a digit", "?k={env.1KEY}", /\{env\.1KEY\} is not a valid environment variable name/],
    ["an env name with a dot", "?k={env.A.B}", /is not a valid environment variable name/],
    ["a header name with a space", "?t={header.x tenant}", /\{header\.x tenant\} is not a valid header name/],
    ["a header name with a colon", "?t={header.x:y}", /is not a valid header name/],
    ["an empty header name", "?t={header.}", /is not a valid header name/],
    ["nested braces", "/u/{args.{x}}", /malformed template/],
  ])("%s: %s", (_class, source, message) => {
    const { problems } = parseTemplate(source);
    expect(problems.map((p) => p.message)).toEqual(expect.arrayContaining([expect.stringMatching(message)]));
    for (const problem of problems) expect(problem.offset).toBeGreaterThanOrEqual(0);
  });

  it("the offset points at the brace", () => {
    expect(parseTemplate("/users/{arg.id}").problems).toEqual([expect.objectContaining({ offset: 7 })]);
    expect(parseTemplate("?k={env.1X}").problems).toEqual([expect.objectContaining({ offset: 3 })]);
  });

  it.each([
    ['{"name": {args.name}, "tags": ["a"]}', ["args:name@9"]],
    ['{"a": {"b": {args.x}}}', ["args:x@12"]],
    ["{}", []],
  ])("with literalBraces (JSON bodies) %s has no problems", (source, variables) => {
    expectParsed(source, { literalBraces: true }).toMatchObject({ variables, problems: [] });
  });
});

describe("readPath", () => {
  it.each([
    [{ a: { b: 1 } }, ["a", "b"], 1],
    [{ a: { b: null } }, ["a", "b"], null],
    [{ a: [10, 20] }, ["a", "1"], 20],
    [{ a: 1 }, [], { a: 1 }],
    [{ a: 1 }, ["b"], undefined],
    [{ a: 1 }, ["a", "b"], undefined],
    [{ a: "text" }, ["a", "length"], undefined],
    [null, ["a"], undefined],
    [undefined, ["a"], undefined],
    ["x", ["a"], undefined],
  ])("readPath(%j, %j) → %j", (value, path, expected) => {
    expect(readPath(value, path)).toEqual(expected);
  });
});
