import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDemoUpstream, type DemoUpstream } from "../../src/demo/demo-upstream.js";
import type { Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { subscribeOverSse } from "../helpers/sse-subscribe.js";
import { serveTrestle, type TrestleServer } from "../passthrough/raw-http.js";

// The demo (schema/jobs.graphql over the bundled upstream, as `npm start` serves them): trigger a
// pipeline run, then follow it to its end with one subscription.
let demo: DemoUpstream;
let trestle: Trestle;
let served: TrestleServer;
const url = () => `http://127.0.0.1:${served.port}/graphql`;

beforeAll(async () => {
  demo = await startDemoUpstream();
  trestle = await createTestTrestle("schema/", { env: { DEMO_API_URL: demo.url } });
  served = await serveTrestle(trestle);
});
afterAll(async () => {
  await served?.close();
  await trestle?.close();
  await demo?.close();
});

async function trigger(conf: Record<string, unknown>): Promise<{ id: string; state: string }> {
  const response = await fetch(url(), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      query: `mutation ($conf: JSON) { triggerRun(pipelineId: "sentiment-eval", conf: $conf) { id state } }`,
      variables: { conf },
    }),
  });
  const body = (await response.json()) as { data: { triggerRun: { id: string; state: string } } };
  return body.data.triggerRun;
}

const follow = `subscription ($id: ID!) { run(pipelineId: "sentiment-eval", id: $id) { id state startDate endDate } }`;

describe("J16: the demo's jobs", () => {
  it("J16: triggerRun, then run(id) follows it queued → running → success and completes", async () => {
    const run = await trigger({ demo_step_ms: 600 });
    expect(run.state).toBe("queued");
    const results = await (await subscribeOverSse(url(), follow, { id: run.id })).rest();
    const states = results.map((r) => (r.data?.["run"] as { state: string }).state);
    expect(states.at(-1)).toBe("success");
    expect(["queued", "running", "success"].filter((s) => states.includes(s))).toEqual(states);
    const last = results.at(-1)!.data?.["run"] as { startDate: string; endDate: string };
    expect(last.endDate > last.startDate).toBe(true);
  });

  it("J16: a run triggered with fail ends at failed; an unknown run is one 404 error payload", async () => {
    const run = await trigger({ demo_step_ms: 300, fail: true });
    const states = (await (await subscribeOverSse(url(), follow, { id: run.id })).rest()).map(
      (r) => (r.data?.["run"] as { state: string }).state,
    );
    expect(states.at(-1)).toBe("failed");
    const missing = await (await subscribeOverSse(url(), follow, { id: "no-such-run" })).rest();
    expect(missing).toHaveLength(1);
    expect(missing[0]!.errors?.[0]?.extensions).toMatchObject({ code: "UPSTREAM_ERROR", status: 404 });
  });

  it("J16: the demo upstream's run moves on its own clock, one step apart", async () => {
    const created = (await (
      await fetch(`${demo.url}/pipelines/sentiment-eval/runs`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ conf: { demo_step_ms: 100000 } }), // out of bounds: the default step
      })
    ).json()) as { run_id: string; state: string };
    const read = await fetch(`${demo.url}/pipelines/sentiment-eval/runs/${encodeURIComponent(created.run_id)}`);
    expect(read.headers.get("cache-control")).toBe("no-store");
    expect(((await read.json()) as { state: string }).state).toBe("queued");
  });
});
