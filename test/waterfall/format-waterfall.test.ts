import { describe, expect, it } from "vitest";
import { formatWaterfall, type WaterfallCall } from "../../src/execution/format-waterfall.js";

// Issue 24, item 5 (I24-5): the text waterfall (README, docs/waterfall.md, the panel's Text view).
const call = (overrides: Partial<WaterfallCall>): WaterfallCall => ({
  upstream: "ml",
  method: "GET",
  path: "/x",
  status: 200,
  start: 0,
  ms: 1,
  ...overrides,
});

describe("formatWaterfall", () => {
  it("I24-5: the demo's N+1 query: one aligned row per call, batch sizes, cache status, bars on one time axis", () => {
    const text = formatWaterfall(
      [
        call({ route: "/experiments/{args.id}", path: "/experiments/1", start: 0.4, ms: 1.9, cache: { status: "miss" } }),
        call({
          route: "/experiments/{parent.experiment_id}/runs",
          path: "/experiments/1/runs",
          start: 2.6,
          ms: 1.6,
          cache: { status: "miss" },
        }),
        call({ route: "/users", path: "/users?ids=1,2", batch: 40, start: 4.5, ms: 1.4, cache: { status: "miss" } }),
        call({ route: "/teams", path: "/teams?ids=1", batch: 6, start: 6.1, ms: 1.1, cache: { status: "hit" } }),
      ],
      16,
    );
    expect(text.split("\n")).toEqual([
      "upstream  method  route                                     status  cache  batch  start   ms  |0 ms      7.2 ms|",
      "ml        GET     /experiments/{args.id}                    200     miss       -    0.4  1.9  | ████           |",
      "ml        GET     /experiments/{parent.experiment_id}/runs  200     miss       -    2.6  1.6  |      ███       |",
      "ml        GET     /users                                    200     miss      40    4.5  1.4  |          ███   |",
      "ml        GET     /teams                                    200     hit        6    6.1  1.1  |              ░░|",
    ]);
  });

  it.each([
    ["no calls", [], ["upstream  method  route  status  cache  batch  start  ms  |0 ms      0.0 ms|"]],
    [
      "an error code for a status, no cache, no route (the path instead), zero duration",
      [call({ status: "UPSTREAM_TIMEOUT", path: "/slow?q=1", ms: 0 })],
      [
        "upstream  method  route      status            cache  batch  start   ms  |0 ms      0.0 ms|",
        "ml        GET     /slow?q=1  UPSTREAM_TIMEOUT  -          -    0.0  0.0  |█               |",
      ],
    ],
    [
      "a call that starts at the very end still gets one cell",
      [call({ start: 0, ms: 10 }), call({ start: 10, ms: 0, cache: { status: "stale" } })],
      [
        "upstream  method  route  status  cache  batch  start    ms  |0 ms     10.0 ms|",
        "ml        GET     /x     200     -          -    0.0  10.0  |████████████████|",
        "ml        GET     /x     200     stale      -   10.0   0.0  |               ░|",
      ],
    ],
  ] as Array<[string, WaterfallCall[], string[]]>)("I24-5: %s", (_name, calls, lines) => {
    expect(formatWaterfall(calls, 16).split("\n")).toEqual(lines);
  });
});
