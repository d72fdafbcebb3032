import { describe, expect, it } from "vitest";
import { issueLocations, list, record, useDemoUpstream } from "./demo-client.js";

const demo = useDemoUpstream();

describe("reading pipelines", () => {
  it("lists pipelines with their owner, model and schedule", async () => {
    const answer = await demo.call("/pipelines");
    expect(answer.headers.get("cache-control")).toBe("no-cache");
    expect(answer.headers.get("etag")).toBeTruthy();
    const page = record(answer.body);
    expect(page["total_entries"]).toBe(6);
    expect(list(page["pipelines"])[0]).toEqual({
      pipeline_id: "nightly-retrain-fraud",
      description: "Retrains fraud-xgb on yesterday's labelled transactions",
      owner_id: 3,
      model_name: "fraud-xgb",
      schedule: "0 2 * * *",
      is_paused: false,
      tags: ["retrain", "fraud"],
    });
  });

  it("answers one pipeline, or 404", async () => {
    expect((await demo.call("/pipelines/demand-forecast-backfill")).body).toMatchObject({ is_paused: true, schedule: "0 6 1 * *" });
    expect(await demo.call("/pipelines/nope")).toMatchObject({ status: 404, body: { detail: "Pipeline 'nope' not found" } });
    expect((await demo.call("/pipelines/nope/runs")).status).toBe(404);
  });

  it("lists a pipeline's runs newest first, filtered by state", async () => {
    const page = record((await demo.call("/pipelines/weekly-churn-refresh/runs")).body);
    const runs = list(page["pipeline_runs"]);
    expect(page["total_entries"]).toBe(runs.length);
    const dates = runs.map((run) => String(run["logical_date"]));
    expect(dates).toEqual([...dates].sort().reverse());
    const failed = list(record((await demo.call("/pipelines/weekly-churn-refresh/runs?state=failed")).body)["pipeline_runs"]);
    expect(failed.map((run) => run["state"])).toEqual(["failed"]);
    expect(issueLocations(await demo.call("/pipelines/weekly-churn-refresh/runs?state=done"))).toEqual([["query", "state"]]);
  });
});

describe("POST /pipelines/{pipeline_id}/runs", () => {
  const mutable = useDemoUpstream();

  it("triggers a run (201), which is then listed first", async () => {
    const before = await mutable.call("/pipelines/sentiment-eval/runs");
    const answer = await mutable.send("/pipelines/sentiment-eval/runs", { conf: { golden_set: "2024-06" } });
    expect(answer.status).toBe(201);
    expect(answer.body).toEqual({
      run_id: "manual__2024-06-15T12:00:00Z",
      pipeline_id: "sentiment-eval",
      state: "queued",
      run_type: "manual",
      conf: { golden_set: "2024-06" },
      logical_date: "2024-06-15T12:00:00Z",
      start_date: null,
      end_date: null,
    });
    const after = await mutable.call("/pipelines/sentiment-eval/runs", { headers: { "if-none-match": before.headers.get("etag") ?? "" } });
    expect(after.status).toBe(200);
    const page = record(after.body);
    expect(list(page["pipeline_runs"])[0]).toEqual(answer.body);
    expect(page["total_entries"]).toBe(Number(record(before.body)["total_entries"]) + 1);
  });

  it("takes an empty body or a null conf as {}", async () => {
    const empty = await mutable.call("/pipelines/sentiment-eval/runs", { method: "POST" });
    expect(empty).toMatchObject({ status: 201, body: { conf: {}, run_id: "manual__2024-06-15T12:01:00Z" } });
    expect(await mutable.send("/pipelines/sentiment-eval/runs", { conf: null })).toMatchObject({ status: 201, body: { conf: {} } });
  });

  it("takes a run id, and refuses one already taken with 409", async () => {
    expect(await mutable.send("/pipelines/sentiment-eval/runs", { run_id: "backfill-1" })).toMatchObject({
      status: 201,
      body: { run_id: "backfill-1" },
    });
    expect(await mutable.send("/pipelines/sentiment-eval/runs", { run_id: "backfill-1" })).toMatchObject({
      status: 409,
      body: { detail: "Pipeline run 'backfill-1' already exists" },
    });
  });

  it("refuses a paused pipeline with 409", async () => {
    const answer = await mutable.send("/pipelines/demand-forecast-backfill/runs", { conf: {} });
    expect(answer).toMatchObject({ status: 409, body: { detail: "Pipeline 'demand-forecast-backfill' is paused" } });
  });

  it("refuses a conf that is not an object with 422", async () => {
    expect(issueLocations(await mutable.send("/pipelines/sentiment-eval/runs", { conf: [1] }))).toEqual([["body", "conf"]]);
  });
});

describe("PUT /pipelines/{pipeline_id}/pause", () => {
  const mutable = useDemoUpstream();

  it("pauses with an empty body and resumes with is_paused: false", async () => {
    expect(await mutable.call("/pipelines/sentiment-eval/pause", { method: "PUT" })).toMatchObject({
      status: 200,
      body: { is_paused: true },
    });
    expect((await mutable.call("/pipelines/sentiment-eval")).body).toMatchObject({ is_paused: true });
    expect((await mutable.send("/pipelines/sentiment-eval/runs", {})).status).toBe(409);
    expect(await mutable.send("/pipelines/sentiment-eval/pause", { is_paused: false }, "PUT")).toMatchObject({
      status: 200,
      body: { is_paused: false },
    });
    expect((await mutable.send("/pipelines/sentiment-eval/runs", {})).status).toBe(201);
  });

  it("refuses a non-boolean is_paused with 422, and an unknown pipeline with 404", async () => {
    expect(issueLocations(await mutable.send("/pipelines/sentiment-eval/pause", { is_paused: "yes" }, "PUT"))).toEqual([
      ["body", "is_paused"],
    ]);
    expect((await mutable.call("/pipelines/nope/pause", { method: "PUT" })).status).toBe(404);
  });
});
