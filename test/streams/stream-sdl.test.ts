import { describe, expect, it } from "vitest";
import { formatDiagnostic } from "../../src/index.js";
import { checkSchemaSources } from "../../src/sdl/check-schema.js";
import { buildSchemaPlan } from "../../src/sdl/build-schema-plan.js";

// `@rest(stream:)` (src/sdl/read-stream.ts): what `trestle check` refuses, with its place, and
// what the plan holds.

function check(sdl: string): string[] {
  return checkSchemaSources([{ name: "s.graphql", body: sdl }], {}).map(formatDiagnostic);
}

const head = `extend schema @upstream(name: "ml", baseUrl: "http://127.0.0.1:4010")
type Query { a: Int @rest(path: "/a") }
type Token { content: String }
`;

describe("#18: trestle check on stream fields", () => {
  it.each([
    [
      "a Subscription @rest field without stream:",
      `type Subscription { t: Token @rest(path: "/t") }`,
      [
        "s.graphql:4:30: @rest on Subscription.t needs stream: (or poll:): a Subscription field reads a streaming answer, e.g. stream: { format: SSE } or stream: { format: NDJSON }",
      ],
    ],
    [
      "stream: on a Query field",
      `extend type Query { q: Token @rest(path: "/q", stream: { format: SSE }) }`,
      ["s.graphql:4:56: @rest on Query.q has stream:, which only a Subscription field may have (a Query or Mutation field answers once)"],
    ],
    [
      "stream: with batch:",
      `type Subscription { t(id: ID!): Token @rest(path: "/t/{args.id}", batch: { path: "/t?ids={keys}", key: "id" }, stream: { format: SSE }) }`,
      ["s.graphql:4:74: @rest on Subscription.t has both stream: and batch:; a stream is one upstream request per subscription"],
    ],
    [
      "@rest(select:) beside stream:",
      `type Subscription { t: Token @rest(path: "/t", select: "a.b", stream: { format: SSE }) }`,
      [
        's.graphql:4:56: @rest on Subscription.t has stream:, so its select: goes inside it (stream: { select: "a.b" }): it applies to each event',
      ],
    ],
    [
      "a select that is not a dot path",
      `type Subscription { t: Token @rest(path: "/t", stream: { format: SSE, select: "choices..delta" }) }`,
      ['s.graphql:4:56: stream select "choices..delta" on Subscription.t is not a dot path like "choices.0.delta"'],
    ],
    [
      "event: on NDJSON",
      `type Subscription { t: Token @rest(path: "/t", stream: { format: NDJSON, event: "token" }) }`,
      ['s.graphql:4:56: stream event "token" on Subscription.t needs format: SSE (only server-sent events have names)'],
    ],
    [
      "an empty done",
      `type Subscription { t: Token @rest(path: "/t", stream: { format: SSE, done: "" }) }`,
      ['s.graphql:4:56: stream done on Subscription.t must not be empty (it is the data value that ends the stream, e.g. "[DONE]")'],
    ],
    [
      "an unknown format (GraphQL validation)",
      `type Subscription { t: Token @rest(path: "/t", stream: { format: JSONL }) }`,
      ["s.graphql:4:56: @rest(stream:) has invalid value {format: JSONL}"],
    ],
    [
      "@cache on a stream field",
      `type Subscription { t: Token @rest(path: "/t", stream: { format: SSE }) @cache(maxAge: 60) }`,
      ["s.graphql:4:73: @cache on Subscription.t has no effect: a stream (stream:) is never cached"],
    ],
    [
      "a maxStreams of 0",
      `extend schema @upstream(name: "ml", maxStreams: 0)`,
      ["s.graphql:4:49: maxStreams must be a positive integer, received 0"],
    ],
  ])("%s", (_name, sdl, expected) => {
    expect(check(head + sdl)).toEqual(expected);
  });

  it("#18: a valid stream field plans its format, select, done and event; maxStreams defaults to 256", () => {
    const { plan, diagnostics } = buildSchemaPlan([
      {
        name: "s.graphql",
        body:
          head +
          `type Subscription {
            t: Token @rest(method: POST, path: "/t", body: "{\\"stream\\": true}", stream: { format: SSE, select: "choices.0.delta", done: "[DONE]", event: "token" })
            l: Token @rest(path: "/l", stream: { format: NDJSON })
          }`,
      },
    ]);
    expect(diagnostics).toEqual([]);
    const [t, l] = plan!.restFields.filter((field) => field.typeName === "Subscription");
    expect(t?.stream).toEqual({ format: "SSE", select: ["choices", "0", "delta"], done: "[DONE]", event: "token" });
    expect(l?.stream).toEqual({ format: "NDJSON", select: undefined, done: undefined, event: undefined });
    expect(plan!.upstreams.get("ml")?.resilience.maxStreams).toBe(256);
  });
});
