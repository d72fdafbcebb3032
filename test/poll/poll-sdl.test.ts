import { describe, expect, it } from "vitest";
import { createTrestle, formatDiagnostic } from "../../src/index.js";
import { checkSchemaSources } from "../../src/sdl/check-schema.js";
import { buildSchemaPlan } from "../../src/sdl/build-schema-plan.js";
import { pollBounds } from "../../src/sdl/read-poll.js";

// `@rest(poll:)` (src/sdl/read-poll.ts): what `trestle check` refuses, with its place, and what the plan holds.

function check(sdl: string): string[] {
  return checkSchemaSources([{ name: "s.graphql", body: head + sdl }], {}).map(formatDiagnostic);
}

const head = `extend schema @upstream(name: "flows", baseUrl: "http://127.0.0.1:4010")
type Query { a: Int @rest(path: "/a") }
type Run { id: ID, state: String }
`;

describe("J15: trestle check on poll fields", () => {
  it.each([
    [
      "poll: on a Query field",
      `extend type Query { q: Run @rest(path: "/q", poll: { everyMs: 1000 }) }`,
      ["s.graphql:4:52: @rest on Query.q has poll:, which only a Subscription field may have (a Query or Mutation field answers once)"],
    ],
    [
      "poll: with stream:",
      `type Subscription { r: Run @rest(path: "/r", poll: { everyMs: 1000 }, stream: { format: SSE }) }`,
      ["s.graphql:4:52: @rest on Subscription.r has both stream: and poll:; a subscription either reads one stream or repeats one read"],
    ],
    [
      "poll: with batch:",
      `type Subscription { r(id: ID!): Run @rest(path: "/r/{args.id}", batch: { path: "/r?ids={keys}", key: "id" }, poll: { everyMs: 1000 }) }`,
      ["s.graphql:4:72: @rest on Subscription.r has both poll: and batch:; a poll repeats one read of its own"],
    ],
    [
      "everyMs under the floor",
      `type Subscription { r: Run @rest(path: "/r", poll: { everyMs: 10 }) }`,
      ["s.graphql:4:63: poll everyMs on Subscription.r must be at least 100 (ms between reads), received 10"],
    ],
    [
      "a negative everyMs",
      `type Subscription { r: Run @rest(path: "/r", poll: { everyMs: -5 }) }`,
      ["s.graphql:4:63: poll everyMs on Subscription.r must be at least 100 (ms between reads), received -5"],
    ],
    [
      "timeoutMs shorter than everyMs",
      `type Subscription { r: Run @rest(path: "/r", poll: { everyMs: 5000, timeoutMs: 1000 }) }`,
      ["s.graphql:4:80: poll timeoutMs on Subscription.r must be between everyMs (5000) and 86400000 (one day), received 1000"],
    ],
    [
      "timeoutMs over a day",
      `type Subscription { r: Run @rest(path: "/r", poll: { everyMs: 1000, timeoutMs: 100000000 }) }`,
      ["s.graphql:4:80: poll timeoutMs on Subscription.r must be between everyMs (1000) and 86400000 (one day), received 100000000"],
    ],
    [
      "until.path that is not a dot path",
      `type Subscription { r: Run @rest(path: "/r", poll: { everyMs: 1000, until: { path: "run..state", in: ["done"] } }) }`,
      ['s.graphql:4:76: poll until.path "run..state" on Subscription.r is not a dot path like "state" or "run.status"'],
    ],
    [
      "an empty until.path",
      `type Subscription { r: Run @rest(path: "/r", poll: { everyMs: 1000, until: { path: "", in: ["done"] } }) }`,
      ['s.graphql:4:76: poll until.path "" on Subscription.r is not a dot path like "state" or "run.status"'],
    ],
    [
      "an empty until.in",
      `type Subscription { r: Run @rest(path: "/r", poll: { everyMs: 1000, until: { path: "state", in: [] } }) }`,
      ['s.graphql:4:76: poll until.in on Subscription.r is empty: list the values that end a run, e.g. in: ["success", "failed"]'],
    ],
  ])("J15: %s is refused with its place", (_what, sdl, expected) => {
    expect(check(sdl)).toEqual(expected);
  });

  it("J15: everyMs missing or of the wrong type is refused as an invalid value", () => {
    expect(check(`type Subscription { r: Run @rest(path: "/r", poll: { until: { path: "state", in: ["x"] } }) }`)).toEqual([
      's.graphql:4:52: @rest(poll:) has invalid value {until: {path: "state", in: ["x"]}}',
    ]);
    expect(check(`type Subscription { r: Run @rest(path: "/r", poll: { everyMs: "fast" }) }`)).toEqual([
      's.graphql:4:52: @rest(poll:) has invalid value {everyMs: "fast"}',
    ]);
  });

  it("J15: a Subscription @rest field may have poll: instead of stream:, and the plan holds it with its defaults", () => {
    const sdl = `${head}type Subscription {
      r(id: ID!): Run @rest(path: "/runs/{args.id}", select: "run", poll: { everyMs: 250, until: { path: "state", in: ["success", "failed"] } })
      s: Run @rest(path: "/s", poll: { everyMs: 100, timeoutMs: 100 })
    }`;
    const { plan, diagnostics } = buildSchemaPlan([{ name: "s.graphql", body: sdl }]);
    expect(diagnostics).toEqual([]);
    const [r, s] = plan!.restFields.filter((rest) => rest.typeName === "Subscription");
    expect(r!.poll).toEqual({
      everyMs: 250,
      until: { path: ["state"], in: ["success", "failed"] },
      timeoutMs: pollBounds.defaultTimeoutMs,
    });
    expect(r!.select).toEqual(["run"]);
    expect(r!.stream).toBeUndefined();
    expect(s!.poll).toEqual({ everyMs: 100, until: undefined, timeoutMs: 100 });
    expect(pollBounds).toEqual({ minEveryMs: 100, defaultTimeoutMs: 3_600_000, maxTimeoutMs: 86_400_000 });
  });

  it("J10: limits.maxPollLoops must be a positive integer", async () => {
    const schema = `${head}type Subscription { r: Run @rest(path: "/r", poll: { everyMs: 1000 }) }`;
    await expect(createTrestle({ schema, logging: false, env: {}, limits: { maxPollLoops: 0 } })).rejects.toThrow(
      "limits.maxPollLoops must be a positive integer, received 0",
    );
    const trestle = await createTrestle({ schema, logging: false, env: {}, limits: { maxPollLoops: 3 } });
    await trestle.close();
  });
});
