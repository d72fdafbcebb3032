import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { importOpenApi, loadOpenApiDocument } from "../../src/openapi/import-openapi.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { subscribeOverSse } from "../helpers/sse-subscribe.js";
import { startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";
import { serveTrestle, type TrestleServer } from "../passthrough/raw-http.js";
import { send } from "./workflow-upstream.js";

// The importer's trigger-then-poll mapping (src/openapi/plan-polls.ts) on real documents of the
// corpus, and a run followed through the imported schema on a stand-in that answers like Airflow.
// Loaded once per file (Airflow's YAML takes seconds to parse on a busy machine).
const loaded = new Map<string, Promise<unknown>>();
const spec = (file: string) => {
  const found = loaded.get(file) ?? loadOpenApiDocument(new URL(`../fixtures/specs/${file}`, import.meta.url).pathname);
  loaded.set(file, found);
  return found;
};

describe("J17: the importer recognises trigger-then-poll", () => {
  it.each([
    ["airflow-v1.yaml", "getDagRun", "state", ["success", "failed"]],
    ["prefect-rest-api.json", "readFlowRun", "state_type", ["COMPLETED", "FAILED", "CANCELLED", "CRASHED"]],
    ["kfp-v2beta1-api.swagger.json", "runServiceGetRun", "state", ["SUCCEEDED", "SKIPPED", "FAILED", "CANCELED"]],
  ])("J17: %s: Subscription.%s polls the run until %s is terminal, saying what it guessed", async (file, field, state, ends) => {
    const { sdl } = importOpenApi(await spec(file), { upstream: "flows" });
    const subscription = /^type Subscription \{\n([\s\S]*?)^\}/m.exec(sdl)?.[1] ?? "";
    const at = subscription.indexOf(`  ${field}(`);
    expect(at).toBeGreaterThan(0);
    const block = subscription.slice(subscription.lastIndexOf("# Guessed by the importer", at), subscription.indexOf("\n    )", at));
    expect(block).toContain(`until: { path: "${state}", in: ${JSON.stringify(ends).replaceAll(",", ", ")} }`);
    expect(block).toContain("everyMs: 1000");
    expect(block).toMatch(/# Guessed by the importer: POST \S+ starts a run and GET \S+ reads it/);
  });

  it("J17: a status with no known good end (Prefect's work pools: READY, NOT_READY, PAUSED) gets a commented template, no field", async () => {
    const { sdl } = importOpenApi(await spec("prefect-rest-api.json"), { upstream: "flows" });
    expect(sdl).toContain(
      '# POST /work_pools/ and GET /work_pools/{name} look like trigger-then-poll, but no value of "status" (READY, NOT_READY, PAUSED) is one the importer knows ends a run well',
    );
    expect(sdl).toMatch(/# type Subscription \{ readWorkPool\(…\): WorkPoolResponse @rest\(path: "\/work_pools\/\{args\.name\}", poll: /);
    const subscription = /^type Subscription \{\n([\s\S]*?)^\}/m.exec(sdl)?.[1] ?? "";
    expect(subscription).not.toContain("readWorkPool(");
  });
});

describe("J17: following an Airflow DAG run through the imported schema", () => {
  let upstream: TestUpstream;
  let trestle: Trestle;
  let served: TrestleServer;
  const runs = new Map<string, { state: string; reads: number }>();

  beforeAll(async () => {
    // Answers like Airflow 2's REST API: a triggered run is queued, then running, then success (one step per read).
    upstream = await startTestUpstream((req, res) => {
      const trigger = /^\/dags\/([^/]+)\/dagRuns$/.exec(req.url);
      if (req.method === "POST" && trigger !== null) {
        const id = (JSON.parse(req.body) as { dag_run_id: string }).dag_run_id;
        runs.set(id, { state: "queued", reads: 0 });
        return send(res, 200, { dag_id: trigger[1], dag_run_id: id, state: "queued", conf: {} });
      }
      const read = /^\/dags\/([^/]+)\/dagRuns\/([^/?]+)/.exec(req.url);
      const run = read === null ? undefined : runs.get(decodeURIComponent(read[2]!));
      if (read === null || run === undefined) return send(res, 404, { title: "DAGRun not found", status: 404, type: "about:blank" });
      run.reads += 1;
      run.state = run.reads <= 1 ? "queued" : run.reads <= 2 ? "running" : "success";
      return send(res, 200, { end_date: null, state: run.state, dag_run_id: read[2], dag_id: read[1] });
    });
    const { sdl } = importOpenApi(await spec("airflow-v1.yaml"), { upstream: "airflow", baseUrl: upstream.url });
    trestle = await createTestTrestle(sdl, { env: { AIRFLOW_USERNAME: "u", AIRFLOW_PASSWORD: "p", AIRFLOW_TOKEN: "t" } });
    served = await serveTrestle(trestle);
  });
  afterAll(async () => {
    await served?.close();
    await trestle?.close();
    await upstream?.close();
  });

  it("J17: trigger with the imported mutation, then the imported subscription follows the run to success", async () => {
    const url = `http://127.0.0.1:${served.port}/graphql`;
    const triggered = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        query: `mutation { postDagRun(dagId: "etl", input: { dagRunId: "manual_1" }) { dagRunId state } }`,
      }),
    });
    expect(await triggered.json()).toEqual({ data: { postDagRun: { dagRunId: "manual_1", state: "queued" } } });
    const subscription = await subscribeOverSse(url, `subscription { getDagRun(dagId: "etl", dagRunId: "manual_1") { dagRunId state } }`);
    const results = await subscription.rest();
    expect(results.map((r) => (r.data?.["getDagRun"] as { state: string }).state)).toEqual(["queued", "running", "success"]);
    expect(upstream.requests.filter((r) => r.method === "GET")).toHaveLength(3);
  });
});
