import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDemoUpstream } from "../../src/demo/demo-upstream.js";
import type { Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";

// Issue 21: the demo's operations/ folder (what `npm start` serves) against the demo upstream.

let demo: Awaited<ReturnType<typeof startDemoUpstream>>;
let trestle: Trestle;
beforeAll(async () => {
  demo = await startDemoUpstream({ port: 0 });
  trestle = await createTestTrestle("schema/", { operations: "operations/", env: { DEMO_API_URL: demo.url } });
});
afterAll(async () => {
  await trestle?.close();
  await demo?.close();
});

const call = async (path: string, body?: unknown) => {
  const init: RequestInit =
    body === undefined ? {} : { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
  const response = await trestle.fetch(new Request(`http://trestle.test/api/${path}`, init));
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

describe("the demo operations", () => {
  it("O01: model lookup, runs listing, predict and trigger run answer through /api", async () => {
    expect(await call("ModelByName?name=fraud-xgb")).toMatchObject({
      status: 200,
      body: { model: { name: "fraud-xgb", stage: "Production" } },
    });
    const runs = await call("RecentRuns?limit=3&status=FINISHED");
    expect(runs.status).toBe(200);
    expect(runs.body["recentRuns"]).toHaveLength(3);
    expect(await call("Predict", { model: "sentiment-bert", input: { inputs: ["great product"] } })).toMatchObject({
      status: 200,
      body: { predict: { model: "sentiment-bert", outputs: [{ label: expect.any(String) }] } },
    });
    const pipelines = (await (await fetch(`${demo.url}/pipelines`)).json()) as { pipelines: Array<{ pipeline_id: string }> };
    expect(await call("TriggerRun", { pipeline: pipelines.pipelines[0]!.pipeline_id, conf: { epochs: 2 } })).toMatchObject({
      status: 200,
      body: { triggerPipeline: { state: "queued", runType: "manual" } },
    });
  });

  it("O01: the OpenAPI document names the four operations with their comments", async () => {
    const document = (await (await trestle.fetch(new Request("http://trestle.test/api/openapi.json"))).json()) as {
      paths: Record<string, { post: { summary?: string } }>;
    };
    expect(Object.keys(document.paths).sort()).toEqual(["/api/ModelByName", "/api/Predict", "/api/RecentRuns", "/api/TriggerRun"]);
    expect(document.paths["/api/RecentRuns"]!.post.summary).toBe(
      "The newest training runs across experiments, optionally only those in one status.",
    );
  });
});
