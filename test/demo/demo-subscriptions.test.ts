import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDemoUpstream, type DemoUpstream } from "../../src/demo/demo-upstream.js";
import { generateTokens, runLogLines } from "../../src/demo/routes-streams.js";
import type { Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { until } from "../helpers/gate.js";
import { subscribeOverSse } from "../helpers/sse-subscribe.js";
import { runOnce, serveWithUpgrade, type WsServed } from "../streams/ws-client.js";

// Issue 18, point 6 (I18-6): schema/streams.graphql against the bundled demo upstream, as
// `npm start` serves them, over GraphQL over SSE (what GraphiQL and `curl -N` use) and over
// WebSocket (the graphql-ws client).
let demo: DemoUpstream;
let trestle: Trestle;
let served: WsServed;
const url = () => `${served.http}/graphql`;

beforeAll(async () => {
  demo = await startDemoUpstream({ streamDelayMs: 0 });
  trestle = await createTestTrestle("schema/", { env: { DEMO_API_URL: demo.url } });
  served = await serveWithUpgrade(trestle);
});
afterAll(async () => {
  // Closes the server and Trestle.
  await served?.close();
  await demo?.close();
});

const generate =
  "subscription ($model: String!, $prompt: String!, $n: Int) { generate(model: $model, prompt: $prompt, maxTokens: $n) { content } }";

describe("I18-6: the demo's subscriptions", () => {
  it("generate: a token per payload, in the upstream's order; [DONE] completes the subscription", async () => {
    const subscription = await subscribeOverSse(url(), generate, { model: "sentiment-bert", prompt: "is this review positive?", n: 6 });
    expect(subscription.status).toBe(200);
    const tokens = generateTokens("sentiment-bert", "is this review positive?", 6);
    expect(await subscription.rest()).toEqual(tokens.map((content) => ({ data: { generate: { content } } })));
    const call = demo.requests.at(-1)!;
    expect([call.method, call.url]).toEqual(["POST", "/models/sentiment-bert/generate"]);
    expect(JSON.parse(call.body)).toEqual({ prompt: "is this review positive?", max_tokens: 6, stream: true });
  });

  it("runLogs: a pipeline run's NDJSON log, a line per payload, then the end", async () => {
    const runId = "scheduled__2024-06-03T02:00:00Z";
    const subscription = await subscribeOverSse(
      url(),
      'subscription ($run: ID!) { runLogs(pipelineId: "nightly-retrain-fraud", runId: $run) { timestamp level task message } }',
      { run: runId },
    );
    const run = (await (await fetch(`${demo.url}/pipelines/nightly-retrain-fraud/runs`)).json()) as {
      pipeline_runs: Array<Parameters<typeof runLogLines>[0]>;
    };
    const expected = runLogLines(run.pipeline_runs.find((candidate) => candidate.run_id === runId)!);
    expect(await subscription.rest()).toEqual(expected.map((line) => ({ data: { runLogs: line } })));
    expect(expected.at(-1)).toMatchObject({ level: "ERROR" });
  });

  it.each([
    [generate, { model: "no-such-model", prompt: "x" }, { code: "UPSTREAM_ERROR", status: 404 }],
    [
      'subscription { runLogs(pipelineId: "nightly-retrain-fraud", runId: "nope") { message } }',
      {},
      { code: "UPSTREAM_ERROR", status: 404 },
    ],
  ])("an upstream refusal is one error payload, then the end: %s", async (document, variables, extensions) => {
    const results = await (await subscribeOverSse(url(), document, variables)).rest();
    expect(results).toHaveLength(1);
    expect(results[0]?.errors?.[0]?.extensions).toMatchObject({ ...extensions, upstream: "ml" });
    // The next subscriber is served.
    expect(await (await subscribeOverSse(url(), generate, { model: "fraud-xgb", prompt: "ok", n: 1 })).rest()).toHaveLength(1);
  });

  it.each([0, 65])("maxTokens %i is refused before any call (BAD_USER_INPUT)", async (n) => {
    demo.resetRequests();
    const results = await (await subscribeOverSse(url(), generate, { model: "fraud-xgb", prompt: "x", n })).rest();
    expect(results[0]?.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
    expect(demo.requests).toEqual([]);
  });
});

describe("I18-6: the same subscriptions over WebSocket", () => {
  it("generate and runLogs give the same payloads with the graphql-ws client", async () => {
    const tokens = generateTokens("churn-lgbm", "next quarter", 4);
    const generated = await runOnce(`${served.ws}/graphql`, generate, {}, { model: "churn-lgbm", prompt: "next quarter", n: 4 });
    expect(generated).toEqual({ results: tokens.map((content) => ({ data: { generate: { content } } })) });
    const logs = await runOnce(
      `${served.ws}/graphql`,
      'subscription { runLogs(pipelineId: "sentiment-eval", runId: "scheduled__2024-06-03T02:00:00Z") { task } }',
    );
    expect(logs.error).toBeUndefined();
    expect(logs.results.map((result) => (result.data?.["runLogs"] as { task: string }).task)).toEqual([
      "scheduler",
      "extract",
      "train",
      "evaluate",
      "scheduler",
    ]);
  });
});

describe("I18-6: tokens as they come", () => {
  it("the first token is a payload while the upstream still holds the rest; leaving ends the upstream call", async () => {
    // The demo's pause between tokens is longer than any test: token 2 is never due while this runs.
    demo.streamDelayMs = 60_000;
    try {
      demo.resetRequests();
      const subscription = await subscribeOverSse(url(), generate, { model: "fraud-xgb", prompt: "slow", n: 3 });
      const [first] = generateTokens("fraud-xgb", "slow", 1);
      expect(await subscription.next()).toEqual({ data: { generate: { content: first } } });
      subscription.close();
      await until(() => demo.requests[0]?.abandoned === true, "the demo upstream to see Trestle leave");
    } finally {
      demo.streamDelayMs = 0;
    }
  });
});
