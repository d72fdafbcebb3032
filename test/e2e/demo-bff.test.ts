import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDemoUpstream, type DemoUpstream } from "../../src/demo/demo-upstream.js";
import type { Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { query as queryOverFetch } from "../helpers/graphql.js";
import { graphqlRoutes, queryOver } from "../helpers/graphql-routes.js";

// The schema `npm start` serves, against the bundled demo upstream: the quick start's promise.
let demo: DemoUpstream;
let trestle: Trestle;

beforeAll(async () => {
  demo = await startDemoUpstream();
  trestle = await createTestTrestle("schema/", { env: { DEMO_API_URL: demo.url } });
});
afterAll(async () => {
  await trestle.close();
  await demo.close();
});

// Every case runs over POST and GET, through trestle.fetch and trestle.handle.
describe.each(graphqlRoutes)("the demo BFF over %s", (route) => {
  const query = queryOver(route);

  it("reads a model with its stage, versions and owner", async () => {
    const result = await query(trestle, `{ model(name: "fraud-xgb") { name latestVersion stage versions { version } owner { name } } }`);
    expect(result.errors).toBeUndefined();
    const model = result.data?.["model"] as {
      name: string;
      latestVersion: number;
      stage: string;
      versions: unknown[];
      owner: { name: string };
    };
    expect(model.name).toBe("fraud-xgb");
    expect(model.versions).toHaveLength(model.latestVersion);
    expect(typeof model.stage).toBe("string");
    expect(typeof model.owner.name).toBe("string");
  });

  it("pages through models with a cursor", async () => {
    const first = await query(trestle, `{ models(limit: 5) { items { name } nextCursor } }`);
    const page = first.data?.["models"] as { items: Array<{ name: string }>; nextCursor: string };
    expect(page.items).toHaveLength(5);
    const second = await query(trestle, `query($c: String) { models(limit: 5, cursor: $c) { items { name } } }`, { c: page.nextCursor });
    const names = (second.data?.["models"] as { items: Array<{ name: string }> }).items.map((m) => m.name);
    expect(names).not.toContain(page.items[0]!.name);
  });

  it("runs inference, and maps the upstream's 422 to UPSTREAM_ERROR", async () => {
    const ok = await query(
      trestle,
      `mutation { predict(model: "fraud-xgb", input: { inputs: [[0.1, 0.2, 0.3]] }) { model modelVersion outputs { label score } } }`,
    );
    expect(ok.errors).toBeUndefined();
    expect((ok.data?.["predict"] as { model: string }).model).toBe("fraud-xgb");
    const bad = await query(trestle, `mutation { predict(model: "fraud-xgb", input: { inputs: [] }) { model } }`);
    expect(bad.errors?.[0]?.extensions).toEqual({ code: "UPSTREAM_ERROR", status: 422, upstream: "ml" });
  });

  it("forwards the caller's authorization for me, and only then", async () => {
    const signedIn = await query(trestle, `{ me { id name } }`, {}, { authorization: "Bearer user-3" });
    expect(signedIn.data).toEqual({ me: { id: "3", name: expect.any(String) } });
    const anonymous = await query(trestle, `{ me { id } }`);
    expect(anonymous.errors?.[0]?.extensions).toMatchObject({ code: "UPSTREAM_ERROR", status: 401 });
  });

  it("triggers a pipeline run and deletes a model (204 → true)", async () => {
    const pipelines = demo.requests.length;
    const triggered = await query(
      trestle,
      `mutation { triggerPipeline(id: "nightly-retrain-fraud", conf: { full: true }) { state } }`,
      {},
      { "x-request-id": "req-42" },
    );
    expect(triggered.errors).toBeUndefined();
    const trigger = demo.requests.slice(pipelines).find((r) => r.method === "POST");
    expect(trigger?.headers["x-request-id"]).toBe("req-42");
    // The demo upstream keeps state: each route deletes a model of its own.
    const victim = ["churn-lgbm", "spam-fasttext", "toxicity-roberta", "ner-spacy-en"][graphqlRoutes.indexOf(route)]!;
    const deleted = await query(trestle, `mutation { deleteModel(name: "${victim}") }`);
    expect(deleted).toMatchObject({ data: { deleteModel: true } });
  });
});

describe("the demo's N+1 query", () => {
  it("makes one upstream call per level: experiment, its 50 runs, their users, their teams", async () => {
    const debug = await createTestTrestle("schema/", { env: { DEMO_API_URL: demo.url }, debug: true });
    demo.resetRequests();
    const result = await queryOverFetch(
      debug,
      `{ experiment(id: "1") { name runs { id user { name team { name } } experiment { name } } } }`,
    );
    await debug.close();
    expect(result.errors).toBeUndefined();
    const runs = (result.data?.["experiment"] as { runs: Array<{ user: { team: { name: string } } }> }).runs;
    expect(runs).toHaveLength(50);
    expect(runs.every((run) => typeof run.user.team.name === "string")).toBe(true);
    const paths = demo.requests.map((r) => r.url.split("?")[0]);
    expect(paths).toEqual(["/experiments/1", "/experiments/1/runs", "/users", "/teams"]);
    const calls = (result.extensions?.["trestle"] as { upstreamCallCount: number }).upstreamCallCount;
    expect(calls).toBe(4);
  });
});
