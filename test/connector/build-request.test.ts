import { describe, expect, it } from "vitest";
import { createRequestBuilder, renderHeaderRules, type TemplateScope } from "../../src/connector/build-request.js";
import type { UpstreamRequest } from "../../src/upstream/upstream-request.js";
import { planOf, restFieldOf } from "./plan-fixture.js";

// Table tests for the request builder (src/connector/build-request.ts): one row per template
// and scope, the rendered request or the error it must raise. Rows of bad values cover each
// class a client (args, headers) or an upstream answer (parent) can send.

const types = /* GraphQL */ `
  input NewUser {
    firstName: String
    homeAddress: Address
  }
  input Address {
    streetName: String
  }
  type Item {
    id: ID
  }
`;

/**
 * The builder of a field declared with `rest` as its @rest arguments (`Query.f`, or `Holder.f`
 * when the template reads {parent.…}); the upstream's extra arguments in `upstream`.
 */
function builderOf(rest: string, upstream = "", env: Record<string, string> = {}) {
  const onParent = rest.includes("{parent.");
  const f = `f(id: ID, n: Int, q: String, tags: [String], input: NewUser, raw: String): Item @rest(${rest})`;
  const plan = planOf(
    /* GraphQL */ `
    extend schema @upstream(name: "api", baseUrl: "http://api.test/v1" ${upstream})
    ${types}
    type Holder { id: ID ${onParent ? f : ""} }
    type Query { holder: Holder @rest(path: "/holder") ${onParent ? "" : f} }
  `,
    env,
  );
  const { rest: field, field: definition } = restFieldOf(plan, onParent ? "Holder.f" : "Query.f");
  return createRequestBuilder(field.upstream, field, definition.args, field.coordinate);
}

/** Client headers as a plain map: WHATWG Headers would refuse the bad values the tables send. */
function scopeOf(partial: Partial<TemplateScope> & { clientHeaders?: Record<string, string> }): TemplateScope {
  const clientHeaders = partial.clientHeaders ?? {};
  return {
    args: {},
    parent: undefined,
    env: {},
    context: {},
    ...partial,
    headers: { get: (name) => clientHeaders[name.toLowerCase()] ?? null },
  };
}

const rest = (path: string, extra = "") => `path: ${JSON.stringify(path)}${extra}`;

function expectTarget(path: string, scope: Partial<TemplateScope> & { clientHeaders?: Record<string, string> }, upstream = "") {
  return expect(builderOf(rest(path), upstream)(scopeOf(scope))?.path ?? null);
}

function expectRefused(path: string, scope: Partial<TemplateScope>, extra = "") {
  const build = builderOf(rest(path, extra));
  let error: unknown;
  try {
    build(scopeOf(scope));
  } catch (thrown) {
    error = thrown;
  }
  expect(error, "the builder must refuse this scope").toBeInstanceOf(Error);
  return expect({ code: (error as { code?: string }).code, message: (error as Error).message });
}

describe("build-request: path variables", () => {
  it.each([
    ["/users/{args.id}", { id: "42" }, "/v1/users/42"],
    ["/users/{args.id}", { id: 42 }, "/v1/users/42"],
    ["/users/{args.n}", { n: 0 }, "/v1/users/0"],
    ["/users/{args.id}", { id: "模型" }, "/v1/users/%E6%A8%A1%E5%9E%8B"],
    ["/users/{args.id}", { id: "café au lait" }, "/v1/users/caf%C3%A9%20au%20lait"],
    ["/users/{args.id}", { id: "a/b" }, "/v1/users/a%2Fb"],
    ["/users/{args.id}", { id: "a\\b" }, "/v1/users/a%5Cb"],
    ["/users/{args.id}", { id: "a?x=1#y" }, "/v1/users/a%3Fx%3D1%23y"],
    ["/users/{args.id}", { id: "a%20b" }, "/v1/users/a%2520b"],
    ["/users/{args.id}", { id: "..a" }, "/v1/users/..a"],
    ["/users/{args.id}/posts/{args.n}", { id: "u", n: 7 }, "/v1/users/u/posts/7"],
    ["/users/{args.input.firstName}", { input: { firstName: "ann" } }, "/v1/users/ann"],
  ])("%s with args %j → %s", (path, args, target) => {
    expectTarget(path, { args }).toBe(target);
  });

  it.each([
    [{ id: "p1" }, "/v1/users/p1"],
    [{ id: 3 }, "/v1/users/3"],
    [{ id: null }, null],
    [{}, null],
    [null, null],
  ])("{parent.id} of %j → %s (nothing to fetch: the field is null)", (parent, target) => {
    expectTarget("/users/{parent.id}", { parent }).toBe(target);
  });
});

describe("build-request: every bad path value is BAD_USER_INPUT, nothing built", () => {
  it.each([
    ["missing", {}, /has no value/],
    ["null", { id: null }, /has no value/],
    ["empty", { id: "" }, /cannot be an empty string \(argument\): it holds an empty value/],
    ["dot", { id: "." }, /"\." or "\.\." segment/],
    ["dot-dot", { id: ".." }, /"\." or "\.\." segment/],
    ["three dots", { id: "..." }, /"\." or "\.\." segment/],
    ["dots and a space", { id: ".. " }, /"\." or "\.\." segment/],
    ["dots with a path parameter", { id: "..;x" }, /"\." or "\.\." segment/],
    ["a dot-segment after a slash", { id: "../admin" }, /"\." or "\.\." segment/],
    ["a dot-segment after a backslash", { id: "a\\..\\admin" }, /"\." or "\.\." segment/],
    ["full-width dots", { id: "．．" }, /"\." or "\.\." segment/],
    ["two-dot leader", { id: "‥" }, /"\." or "\.\." segment/],
    ["encoded dots", { id: "%2e%2e" }, /percent-encoded twice/],
    ["double-encoded dots", { id: "%252e%252e" }, /percent-encoded twice/],
    ["encoded slash", { id: "a%2Fb" }, /percent-encoded twice/],
    ["NUL", { id: "a\u0000b" }, /control characters/],
    ["CR LF", { id: "a\r\nHost: evil" }, /control characters/],
    ["DEL", { id: "a\u007f" }, /control characters/],
    ["an object", { id: { a: 1 } }, /must be a string or number, received an object/],
    ["a list", { id: ["a", "b"] }, /must be a string or number, received a list/],
  ])("args.id %s → BAD_USER_INPUT", (_class, args, message) => {
    expectRefused("/users/{args.id}", { args }).toMatchObject({ code: "BAD_USER_INPUT", message: expect.stringMatching(message) });
  });

  it.each([
    ["dot-dot", ".."],
    ["a dot-segment after a slash", "../../admin"],
    ["control characters", "x\n"],
    ["empty", ""],
  ])("parent.id %s (from the upstream's answer) → BAD_USER_INPUT naming its origin", (_class, id) => {
    expectRefused("/users/{parent.id}", { parent: { id } }).toMatchObject({
      code: "BAD_USER_INPUT",
      message: expect.stringContaining("(a value from the upstream answer)"),
    });
  });

  it("the message echoes the variable, the field and the value", () => {
    expectRefused("/users/{args.id}", { args: { id: ".." } }).toMatchObject({
      message: expect.stringMatching(/^Path variable \{args\.id\} of Query\.f cannot be "\.\." \(argument\)/),
    });
  });

  it("a URL over 8000 characters → BAD_USER_INPUT with its length", () => {
    expectRefused("/search?q={args.q}", { args: { q: "x".repeat(8_000) } }).toMatchObject({
      code: "BAD_USER_INPUT",
      message: "The upstream URL for Query.f would be 8013 characters long; the limit is 8000.",
    });
    expectTarget("/search?q={args.q}", { args: { q: "x".repeat(7_987) } }).toHaveLength(8_000);
  });
});

describe("build-request: query parameters", () => {
  it.each([
    ["/s?q={args.q}", { q: "cats" }, "/v1/s?q=cats"],
    ["/s?q={args.q}", { q: "a&admin=1#x" }, "/v1/s?q=a%26admin%3D1%23x"],
    ["/s?q={args.q}", { q: "" }, "/v1/s?q="],
    ["/s?q={args.q}", { q: null }, "/v1/s"],
    ["/s?q={args.q}", {}, "/v1/s"],
    ["/s?q={args.q}&n={args.n}", { n: 0 }, "/v1/s?n=0"],
    ["/s?tag={args.tags}", { tags: ["a", "b&c"] }, "/v1/s?tag=a&tag=b%26c"],
    ["/s?tag={args.tags}", { tags: ["a", null, "b"] }, "/v1/s?tag=a&tag=b"],
    ["/s?tag={args.tags}", { tags: [] }, "/v1/s"],
    ["/s?q=pre-{args.q}-post", { q: "x y" }, "/v1/s?q=pre-x%20y-post"],
    ["/s?q=pre-{args.q}", { q: null }, "/v1/s"],
    ["/s?tags={args.tags}&all", { tags: ["a", "b"] }, "/v1/s?tags=a&tags=b&all"],
    ["/s?u={args.input}", { input: { firstName: "a" } }, "/v1/s?u=%7B%22firstName%22%3A%22a%22%7D"],
  ])("%s with args %j → %s", (path, args, target) => {
    expectTarget(path, { args }).toBe(target);
  });

  it.each([
    [{}, "/v1/s?k=fallback"],
    [{ KEY: "" }, "/v1/s?k=fallback"],
    [{ KEY: "set&x" }, "/v1/s?k=set%26x"],
  ])("{env.KEY:-fallback} with env %j → %s", (env, target) => {
    expectTarget("/s?k={env.KEY:-fallback}", { env }).toBe(target);
  });

  it.each([
    [{ "x-tenant": "acme" }, "/v1/s?t=acme"],
    [{}, "/v1/s"],
  ])("{header.x-tenant} with client headers %j → %s", (clientHeaders, target) => {
    expectTarget("/s?t={header.x-tenant}", { clientHeaders }).toBe(target);
  });

  it("{context.tenant.id} reads the host's context", () => {
    expectTarget("/s?t={context.tenant.id}", { context: { tenant: { id: "t 1" } } }).toBe("/v1/s?t=t%201");
  });
});

describe("build-request: snake_case naming", () => {
  it.each([
    ["AS_IS", '{"firstName":"a","homeAddress":{"streetName":"b"}}'],
    ["SNAKE_CASE", '{"first_name":"a","home_address":{"street_name":"b"}}'],
  ])("naming %s: the input object body is %s", (naming, body) => {
    const build = builderOf(`method: POST, path: "/users", body: "{args.input}"`, `, naming: ${naming}`);
    const request = build(scopeOf({ args: { input: { firstName: "a", homeAddress: { streetName: "b" } } } }))!;
    expect([request.method, request.path, request.body, request.headers["content-type"]]).toEqual([
      "POST",
      "/v1/users",
      body,
      "application/json",
    ]);
  });
});

describe("build-request: bodies", () => {
  const bodyOf = (template: string, args: Record<string, unknown>) =>
    builderOf(`method: POST, path: "/x", body: ${JSON.stringify(template)}`)(scopeOf({ args }))!.body;

  it.each([
    ["{args.q}", { q: "plain" }, '"plain"'],
    ["{args.q}", {}, "null"],
    ["{args.n}", { n: 3 }, "3"],
    ['{"name": {args.q}}', { q: 'a", "admin": true, "x": "' }, '{"name": "a\\", \\"admin\\": true, \\"x\\": \\""}'],
    ['{"name": {args.q}, "n": {args.n}}', { q: "a" }, '{"name": "a", "n": null}'],
    ['{"tags": {args.tags}}', { tags: ["a", "</script>"] }, '{"tags": ["a","</script>"]}'],
    ['{"raw": {args.raw}}', { raw: "{args.q}" }, '{"raw": "{args.q}"}'],
  ])("body %s with args %j → %s", (template, args, body) => {
    const sent = bodyOf(template, args);
    expect(sent).toBe(body);
    expect(() => JSON.parse(sent!) as unknown).not.toThrow();
  });

  it("a GET has no body and asks for JSON", () => {
    const request = builderOf(rest("/x"))(scopeOf({})) as UpstreamRequest;
    expect([request.method, request.body, request.headers]).toEqual(["GET", undefined, { accept: "application/json" }]);
  });
});

describe("build-request: header rules", () => {
  const headersOf = (rules: string, clientHeaders: Record<string, string>, upstream = "") =>
    builderOf(`path: "/x", headers: [${rules}]`, upstream)(scopeOf({ clientHeaders, args: { q: clientHeaders["x-q"] ?? null } }))!.headers;

  it.each([
    ['{ name: "x-tenant", from: "x-tenant" }', { "x-tenant": "acme" }, { "x-tenant": "acme" }],
    ['{ name: "x-tenant", from: "x-tenant" }', {}, {}],
    ['{ name: "authorization", value: "Bearer {header.x-token}" }', { "x-token": "t0k" }, { authorization: "Bearer t0k" }],
    ['{ name: "authorization", value: "Bearer {header.x-token}" }', {}, {}],
    ['{ name: "x-q", value: "{args.q}" }', { "x-q": "  padded  " }, { "x-q": "padded" }],
    ['{ name: "accept", value: "application/xml" }', {}, { accept: "application/xml" }],
  ])("rule %s with client headers %j → %j (plus accept)", (rules, clientHeaders, expected) => {
    expect(headersOf(rules, clientHeaders)).toEqual({ accept: "application/json", ...expected });
  });

  it.each([
    ["CR LF", "a\r\nx-admin: 1"],
    ["NUL", "a\u0000"],
    ["DEL", "a\u007f"],
    ["above U+00FF", "café ☕"],
  ])("a header value with %s → BAD_USER_INPUT naming the header, never the value", (_class, value) => {
    let error: { code?: string; message?: string; extensions?: Record<string, unknown> } = {};
    try {
      headersOf('{ name: "x-q", value: "{args.q}" }', { "x-q": value });
    } catch (thrown) {
      error = thrown as typeof error;
    }
    expect([error.code, error.extensions?.["header"]]).toEqual(["BAD_USER_INPUT", "x-q"]);
    expect(error.message).toMatch(/^Header "x-q" for Query\.f would contain /);
    expect(error.message).not.toContain(value);
  });

  it("renderHeaderRules (passthrough) renders the same rules outside any field", () => {
    const plan =
      planOf(`extend schema @upstream(name: "api", baseUrl: "http://api.test", headers: [{ name: "x-t", value: "{header.x-in}" }, { name: "x-e", value: "{env.E:-d}" }])
      type Query { f: Item @rest(path: "/x") } ${types}`);
    const upstream = plan.upstreams.get("api")!;
    expect(renderHeaderRules(upstream.headers, scopeOf({ clientHeaders: { "x-in": "v" } }), "passthrough api")).toEqual({
      "x-t": "v",
      "x-e": "d",
    });
    expect(() => renderHeaderRules(upstream.headers, scopeOf({ clientHeaders: { "x-in": "v\u0001" } }), "passthrough api")).toThrow(
      /^Header "x-t" for passthrough api would contain/,
    );
  });
});

describe("build-request: the base path", () => {
  it.each([
    ["http://api.test", "/users/{args.id}", "/users/1"],
    ["http://api.test/", "/users/{args.id}", "/users/1"],
    ["http://api.test/v1/", "/users/{args.id}", "/v1/users/1"],
    ["http://api.test/a/b", "/users/{args.id}?x=1", "/a/b/users/1?x=1"],
  ])("baseUrl %s + %s → %s", (baseUrl, path, target) => {
    const plan = planOf(
      `extend schema @upstream(name: "api", baseUrl: "${baseUrl}") type Query { f(id: ID): Item @rest(path: "${path}") } ${types}`,
    );
    const { rest: field, field: definition } = restFieldOf(plan, "Query.f");
    expect(createRequestBuilder(field.upstream, field, definition.args, "Query.f")(scopeOf({ args: { id: "1" } }))?.path).toBe(target);
  });
});
