import { describe, expect, it } from "vitest";
import { formatDiagnostic } from "../../src/index.js";
import { checkSchemaSources } from "../../src/sdl/check-schema.js";

const upstream = `extend schema @upstream(name: "ml", baseUrl: "http://127.0.0.1:4010")\n`;

function check(sdl: string, env: Record<string, string> = {}): string[] {
  return checkSchemaSources([{ name: "s.graphql", body: sdl }], env).map(formatDiagnostic);
}

/** Table of SDL → the exact diagnostics `trestle check` prints for it. */
const cases: Array<[string, string, string[]]> = [
  [
    "breaker with both failures and failureRate",
    `extend schema @upstream(name: "ml", baseUrl: "http://127.0.0.1:4010", breaker: { failures: 3, failureRate: 0.5 })\ntype Query { a: Int @rest(path: "/a") }`,
    ["s.graphql:1:80: breaker takes failures (consecutive failed calls) or failureRate (a share of the calls in windowMs), not both"],
  ],
  [
    "breaker failureRate out of range",
    `extend schema @upstream(name: "ml", baseUrl: "http://127.0.0.1:4010", breaker: { failureRate: 1.5 })\ntype Query { a: Int @rest(path: "/a") }`,
    ["s.graphql:1:80: breaker.failureRate must be a share of the calls, more than 0 and at most 1 (0.5 is half), received 1.5"],
  ],
  [
    "breaker windowMs without failureRate",
    `extend schema @upstream(name: "ml", baseUrl: "http://127.0.0.1:4010", breaker: { windowMs: 5000 })\ntype Query { a: Int @rest(path: "/a") }`,
    ["s.graphql:1:80: breaker.windowMs only applies with breaker.failureRate"],
  ],
  [
    "unknown upstream",
    `${upstream}type Query { a: Int @rest(upstream: "nope", path: "/a") }`,
    ['s.graphql:2:37: @rest on Query.a names unknown upstream "nope" (declared: ml)'],
  ],
  [
    "duplicate upstream",
    `${upstream}extend schema @upstream(name: "ml", baseUrl: "http://127.0.0.1:1")\ntype Query { a: Int @rest(path: "/a") }`,
    [
      's.graphql:2:31: duplicate @upstream "ml" with a baseUrl (the first is at s.graphql:1:15): declare baseUrl once; amend from other files with @upstream(name: "ml", …) without baseUrl',
    ],
  ],
  [
    "template variable naming no argument",
    `${upstream}type Query { model(name: String!): Int @rest(path: "/models/{args.modelName}") }`,
    ['s.graphql:2:61: @rest uses {args.modelName}, but Query.model has no argument "modelName" (arguments: name)'],
  ],
  [
    "template variable naming no input field",
    `${upstream}input In { a: Int }\ntype Query { f(in: In): Int @rest(path: "/x?b={args.in.b}") }`,
    ['s.graphql:3:47: @rest uses {args.in.b}, but input In has no field "b" (fields: a)'],
  ],
  [
    "{parent.X} on a root field",
    `${upstream}type Query { a: Int @rest(path: "/a/{parent.id}") }`,
    ["s.graphql:2:37: @rest on root field Query.a uses {parent.id}, but root fields have no parent object"],
  ],
  [
    "invalid method",
    `${upstream}type Query { a: Int @rest(method: FETCH, path: "/a") }`,
    ["s.graphql:2:35: @rest(method:) has invalid value FETCH"],
  ],
  [
    "invalid baseUrl",
    `extend schema @upstream(name: "ml", baseUrl: "ftp://host/x")\ntype Query { a: Int @rest(path: "/a") }`,
    ['s.graphql:1:46: @upstream "ml" baseUrl "ftp://host/x" is invalid: expected http: or https:, found ftp:'],
  ],
  [
    "relative baseUrl",
    `extend schema @upstream(name: "ml", baseUrl: "/api")\ntype Query { a: Int @rest(path: "/a") }`,
    ['s.graphql:1:46: @upstream "ml" baseUrl "/api" is invalid: expected an absolute http:// or https:// URL'],
  ],
  [
    "baseUrl env variable missing with no default",
    `extend schema @upstream(name: "ml", baseUrl: "{env.ML_URL}")\ntype Query { a: Int @rest(path: "/a") }`,
    [
      's.graphql:1:46: @upstream "ml" baseUrl needs environment variable ML_URL, which is not set and has no default (write {env.ML_URL:-http://…} to give one)',
    ],
  ],
  [
    "template env variable missing with no default",
    `${upstream}type Query { a: Int @rest(path: "/a/{env.TENANT}") }`,
    ["s.graphql:2:37: {env.TENANT} names environment variable TENANT, which is not set and has no default (write {env.TENANT:-value})"],
  ],
  [
    "malformed template: unclosed brace",
    `${upstream}type Query { a(id: ID): Int @rest(path: "/a/{args.id") }`,
    ['s.graphql:2:45: malformed template near "{args.id": variables are {args.X}, {parent.X}, {env.X}, {header.X}, {context.X}'],
  ],
  [
    "malformed template: unknown root",
    `${upstream}type Query { a(id: ID): Int @rest(path: "/a/{arg.id}") }`,
    ['s.graphql:2:45: malformed template near "{arg.id}": variables are {args.X}, {parent.X}, {env.X}, {header.X}, {context.X}'],
  ],
  [
    "select path syntax",
    `${upstream}type Query { a: Int @rest(path: "/a", select: "data..items") }`,
    ['s.graphql:2:47: select "data..items" is not a dot path like "data.items"'],
  ],
  [
    "@from path syntax",
    `${upstream}type Query { a: A @rest(path: "/a") }\ntype A { b: Int @from(path: "meta. stage") }`,
    ['s.graphql:3:29: @from path "meta. stage" is not a dot path like "meta.stage"'],
  ],
  [
    "answer shape: a list in the path on a field that returns one value",
    `${upstream}type Query { users(ids: [ID!]!): User @rest(path: "/users/{args.ids}", batch: { path: "/users?ids={keys}", key: "id" }) }\ntype User { id: ID }`,
    ["s.graphql:2:51: @rest on Query.users: path variable {args.ids} is a list, so the field must return a list, but it returns User"],
  ],
  [
    "answer shape: a list in the path without a batch endpoint",
    `${upstream}type Query { users(ids: [ID!]!): [User] @rest(path: "/users/{args.ids}") }\ntype User { id: ID }`,
    [
      's.graphql:2:53: @rest on Query.users: path variable {args.ids} is a list; a list in the path needs a batch endpoint (batch: { path: "...{keys}", key: "id" })',
    ],
  ],
  [
    "batch without {keys}",
    `${upstream}type Query { a: A @rest(path: "/a") }\ntype A { owner: Int @rest(path: "/u/{parent.id}", batch: { path: "/users", key: "id" }) }`,
    ["s.graphql:3:58: batch on A.owner never uses the collected keys: put {keys} or {keys*} in its path"],
  ],
  [
    "batch field whose path holds two keys",
    `${upstream}type Query { a: A @rest(path: "/a") }\ntype A { b: Int @rest(path: "/o/{parent.org}/u/{parent.id}", batch: { path: "/u?ids={keys}", key: "id" }) }`,
    [
      "s.graphql:3:29: @rest on A.b has a batch, so its path must hold exactly one {args.X} or {parent.X} variable (the key), found {parent.org}, {parent.id}",
    ],
  ],
  [
    "batch template that varies per field",
    `${upstream}type Query { a(t: ID): [A] @rest(path: "/a/{args.t}", batch: { path: "/a?ids={keys}&t={args.t}", key: "id" }) }\ntype A { id: ID }`,
    [
      "s.graphql:2:62: batch on Query.a uses {args.t}, but a batch call serves many fields: its templates may use {keys}, {env.X}, {header.X} and {context.X}",
    ],
  ],
  [
    "batched field with a header that varies per field",
    `${upstream}type Query { a: A @rest(path: "/a") }\ntype A { b: Int @rest(path: "/u/{parent.id}", headers: [{ name: "x-o", value: "{parent.org}" }], batch: { path: "/u?ids={keys}", key: "id" }) }`,
    ['s.graphql:3:56: @rest on A.b has a batch, so its header "x-o" cannot use {parent.org}: one batch call serves many fields'],
  ],
  [
    "unknown directive argument",
    `${upstream}type Query { a: Int @rest(path: "/a", cache: true) }`,
    ['s.graphql:2:39: Unknown argument "cache" on directive "@rest". Did you mean "batch" or "path"?'],
  ],
  ["unknown directive", `${upstream}type Query { a: Int @rset(path: "/a") }`, ['s.graphql:2:21: Unknown directive "@rset".']],
  [
    "missing required argument",
    `${upstream}type Query { a: Int @rest(method: GET) }`,
    ['s.graphql:2:21: Directive "@rest" argument "path" of type "String!" is required, but it was not provided.'],
  ],
  [
    "@rest and @from on one field",
    `${upstream}type Query { a: A @rest(path: "/a") }\ntype A { b: Int @rest(path: "/b") @from(path: "c") }`,
    ["s.graphql:3:35: A.b has both @rest and @from: @rest fetches the field, @from reads it from its parent"],
  ],
  [
    "body on a GET",
    `${upstream}type Query { a(x: Int): Int @rest(path: "/a", body: "{args.x}") }`,
    ["s.graphql:2:53: @rest with method GET cannot send a body"],
  ],
  [
    "{keys} outside a batch",
    `${upstream}type Query { a: Int @rest(path: "/a?ids={keys}") }`,
    ["s.graphql:2:41: {keys} is only available in a batch path or body"],
  ],
  [
    "{context.X} without a context function",
    `${upstream}type Query { a: Int @rest(path: "/a?u={context.user}") }`,
    ["s.graphql:2:39: {context.user} needs a context function: createTrestle({ context: (request) => ({ … }) })"],
  ],
  [
    "path not starting with /",
    `${upstream}type Query { a: Int @rest(path: "a") }`,
    ['s.graphql:2:33: path "a" must start with "/" (it is appended to the upstream\'s baseUrl)'],
  ],
  [
    "header rule with both value and from",
    `extend schema @upstream(name: "ml", baseUrl: "http://h", headers: [{ name: "x-a", value: "1", from: "x-b" }])\ntype Query { a: Int @rest(path: "/a") }`,
    ['s.graphql:1:67: @upstream "ml" header "x-a" needs exactly one of value or from'],
  ],
  [
    "header rule that sets Host",
    `extend schema @upstream(name: "ml", baseUrl: "http://h", headers: [{ name: "Host", value: "evil" }])\ntype Query { a: Int @rest(path: "/a") }`,
    ['s.graphql:1:67: @upstream "ml" header "Host" is set by the HTTP layer and cannot be configured'],
  ],
  [
    "@rest without upstream when there are several",
    `${upstream}extend schema @upstream(name: "b", baseUrl: "http://h")\ntype Query { a: Int @rest(path: "/a") }`,
    ["s.graphql:3:21: @rest on Query.a needs upstream: the schema declares several (ml, b)"],
  ],
  [
    "no @upstream at all",
    `type Query { a: Int }`,
    ['<sdl>: the schema declares no @upstream: add extend schema @upstream(name: "api", baseUrl: "http://…")'],
  ],
  ["syntax error", `${upstream}type Query { a: Int @rest(path: "/a" }`, ['s.graphql:2:38: Syntax Error: Expected Name, found "}".']],
  ["unknown type", `${upstream}type Query { a: Modle @rest(path: "/a") }`, ['s.graphql:2:17: Unknown type "Modle".']],
  [
    "@cache on a field without @rest",
    `${upstream}type Query { a: A @rest(path: "/a") }\ntype A { b: Int @cache(maxAge: 5) }`,
    ["s.graphql:3:17: @cache on A.b has no effect: only @rest fields fetch answers to cache"],
  ],
  [
    "invalid passthrough glob",
    `extend schema @upstream(name: "ml", baseUrl: "http://h", passthrough: { paths: ["/models/a**"] })\ntype Query { a: Int @rest(path: "/a") }`,
    ['s.graphql:1:71: passthrough path "/models/a**" must start with "/" and use * or ** only as whole segments'],
  ],
];

describe("trestle check diagnostics", () => {
  it.each(cases)("%s", (_name, sdl, expected) => {
    expect(check(sdl)).toEqual(expected);
  });

  it("body template that is not JSON (the parser's own reason follows)", () => {
    const [line, ...rest] = check(
      `${upstream}type Mutation { a(x: Int): Int @rest(method: POST, path: "/a", body: "{\\"x\\": {args.x}") }\ntype Query { b: Int @rest(path: "/b") }`,
    );
    expect(rest).toEqual([]);
    expect(line).toMatch(
      /^s\.graphql:2:70: body template is not JSON once its variables are filled in \(.+\); write "\{args\.input\}" to send one value/,
    );
  });

  it("accepts a schema that uses every directive form", () => {
    const sdl = /* GraphQL */ `
      extend schema
        @upstream(
          name: "ml"
          baseUrl: "{env.ML_URL:-http://127.0.0.1:4010}/v1"
          naming: SNAKE_CASE
          timeoutMs: 5000
          headers: [{ name: "authorization", from: "authorization" }, { name: "x-api-key", value: "{env.ML_API_KEY}" }]
          passthrough: { methods: [GET, POST], paths: ["/models/**", "/runs/*/logs"] }
        )
      type Query {
        model(name: String!): Model @rest(upstream: "ml", path: "/models/{args.name}") @cache(maxAge: 30)
        models(limit: Int = 20, cursor: String): [Model]
          @rest(upstream: "ml", path: "/models?limit={args.limit}&cursor={args.cursor}", select: "items")
      }
      type Mutation {
        predict(model: String!, input: In!): Int
          @rest(upstream: "ml", method: POST, path: "/models/{args.model}/predict", body: "{args.input}")
        classify(text: String!): Int
          @rest(
            method: POST
            path: "/c"
            body: "{\\"text\\": {args.text}, \\"top_k\\": 5}"
            headers: [{ name: "x-request-id", value: "{header.x-request-id}" }]
          )
      }
      input In {
        values: [Float!]!
      }
      type Model {
        name: String!
        stage: String @from(path: "meta.stage")
        owner: User @rest(path: "/users/{parent.owner_id}", batch: { path: "/users?ids={keys}", key: "id", maxSize: 50 })
      }
      type User {
        id: ID!
      }
    `;
    expect(check(sdl, { ML_API_KEY: "k" })).toEqual([]);
  });

  it("accepts the directive definitions pasted into the schema (for editors)", async () => {
    const { directiveDefinitions } = await import("../../src/index.js");
    expect(check(`${directiveDefinitions}\n${upstream}type Query { a: Int @rest(path: "/a") }`)).toEqual([]);
  });

  it("reports every problem of a file at once, in file order", () => {
    const sdl = `${upstream}type Query {\n  a: Int @rest(upstream: "x", path: "/a")\n  b(id: ID): Int @rest(path: "/b/{args.nope}")\n}`;
    expect(check(sdl).map((line) => line.split(": ")[0])).toEqual(["s.graphql:3:26", "s.graphql:4:34"]);
  });
});

describe("a type defined in several files (several imported OpenAPI documents)", () => {
  const checkFiles = (files: Record<string, string>) =>
    checkSchemaSources(
      Object.entries(files).map(([name, body]) => ({ name, body })),
      {},
    ).map(formatDiagnostic);
  const shared = `"""Any JSON value."""\nscalar JSON\ntype HTTPValidationError { detail: [String!] }\n`;

  it("merges them: root types gain each file's fields; identical types and scalars are one", () => {
    const files = {
      "a.graphql": `${upstream}${shared}type Query { models: JSON @rest(upstream: "ml", path: "/models") error: HTTPValidationError @rest(upstream: "ml", path: "/e") }\ntype Mutation { train: JSON @rest(upstream: "ml", method: POST, path: "/train") }`,
      "b.graphql": `extend schema @upstream(name: "flows", baseUrl: "http://127.0.0.1:4011")\nscalar JSON\ntype HTTPValidationError {\n  "described here"\n  detail: [String!]\n}\ntype Query { flows: JSON @rest(upstream: "flows", path: "/flows") }\ntype Mutation { run: JSON @rest(upstream: "flows", method: POST, path: "/run") }`,
    };
    expect(checkFiles(files)).toEqual([]);
  });

  it("a member both files define differently is an error naming both files (fields: see repeated-fields.test.ts)", () => {
    const files = {
      "a.graphql": `${upstream}type Query { health: String @rest(path: "/health") }\ntype Status { code: Int }\ninput Filter { stage: String }`,
      "b.graphql": `type Query {\n  health: String @rest(path: "/healthz")\n}\ntype Status { code: String }\ninput Filter { stage: Int }`,
    };
    expect(checkFiles(files)).toEqual([
      "b.graphql:5:16: Filter.stage is defined in a.graphql and again, differently, here; a type defined in several files is merged, so a member both define must be the same (import one document with --prefix to keep their types apart)",
      "a.graphql:2:29: @rest on Query.health is given here and again at b.graphql:2:18; a field declared again adds the directives it does not have yet, each directive once: keep one of the two (two imported documents that define the same field: import one with --prefix)",
      "b.graphql:2:18: @rest on Query.health is given here and already at a.graphql:2:29; a field declared again adds the directives it does not have yet, each directive once: keep one of the two (two imported documents that define the same field: import one with --prefix)",
      "b.graphql:4:15: Status.code is defined in a.graphql and again, differently, here; its type is Int there and String here: to add directives to that field, declare it again with the same signature (extend type Status { code: Int @… }); if they are different fields, rename one (for two imported documents, import one with --prefix)",
    ]);
  });

  it("warns when two files' types of one name share no member (merged, but maybe different things)", () => {
    const files = {
      "a.graphql": `${upstream}type Query { model: Model @rest(path: "/m") }\ntype Model { name: String }`,
      "b.graphql": `type Model {\n  uri: String\n}\ntype Query { other: Model @rest(path: "/o") }`,
    };
    expect(checkFiles(files)).toEqual([
      "b.graphql:1:1: warning: Model is also defined in a.graphql, with no member in common: the two are merged into one type; if they are different things, import one document with --prefix",
    ]);
  });

  it("a scalar defined differently is an error; the GraphQL rules stand within one file and between kinds", () => {
    expect(
      checkFiles({
        "a.graphql": `${upstream}scalar When\ntype Query { a: When @rest(path: "/a") }`,
        "b.graphql": `scalar When @specifiedBy(url: "https://example.com")`,
      }),
    ).toEqual([
      "b.graphql:1:1: scalar When is defined in a.graphql and again, differently, here; define it once, or the same way in both files",
    ]);
    expect(
      checkFiles({ "a.graphql": `${upstream}type Query { a: Int @rest(path: "/a") }\ntype Query { b: Int @rest(path: "/b") }` }),
    ).toEqual(['a.graphql:2:6: There can be only one type named "Query".']);
    expect(
      checkFiles({
        "a.graphql": `${upstream}type Query { a: Int @rest(path: "/a") }\ntype Thing { a: Int }`,
        "b.graphql": `input Thing { a: Int }`,
      }),
    ).toEqual(['a.graphql:3:6: There can be only one type named "Thing".', 'a.graphql:3:14: Field "Thing.a" can only be defined once.']);
  });
});
