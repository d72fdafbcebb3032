import { describe, expect, it } from "vitest";
import { issueLocations, list, record, useDemoUpstream } from "./demo-client.js";

const demo = useDemoUpstream();

describe("experiments", () => {
  it("lists experiments", async () => {
    const answer = await demo.call("/experiments");
    expect(answer.headers.get("cache-control")).toBe("public, max-age=60");
    const experiments = list(record(answer.body)["experiments"]);
    expect(experiments.map((experiment) => experiment["experiment_id"])).toEqual(["1", "2", "3", "4"]);
  });

  it("answers one experiment, or 404", async () => {
    expect((await demo.call("/experiments/1")).body).toMatchObject({ experiment_id: "1", name: "fraud-detection-sweep", owner_id: 3 });
    expect(await demo.call("/experiments/99")).toMatchObject({ status: 404, body: { detail: "Experiment '99' not found" } });
  });

  it("lists an experiment's 50 runs, newest first, by many distinct users", async () => {
    const answer = await demo.call("/experiments/1/runs");
    expect(answer.headers.get("cache-control")).toBe("public, max-age=15");
    const page = record(answer.body);
    const runs = list(page["runs"]);
    expect(runs).toHaveLength(50);
    expect(page["total"]).toBe(50);
    expect(runs.every((run) => run["experiment_id"] === "1")).toBe(true);
    const starts = runs.map((run) => String(run["start_time"]));
    expect(starts).toEqual([...starts].sort().reverse());
    expect(new Set(runs.map((run) => run["user_id"])).size).toBe(40);
  });

  it("filters an experiment's runs by status", async () => {
    const runs = list(record((await demo.call("/experiments/1/runs?status=FAILED")).body)["runs"]);
    expect(runs.length).toBeGreaterThan(0);
    expect(runs.every((run) => run["status"] === "FAILED")).toBe(true);
    expect(issueLocations(await demo.call("/experiments/1/runs?status=done"))).toEqual([["query", "status"]]);
  });
});

describe("runs", () => {
  it("answers one run with its parent keys", async () => {
    const answer = await demo.call("/runs/run-001");
    expect(answer.body).toEqual({
      run_id: "run-001",
      experiment_id: "1",
      user_id: 8,
      status: "FINISHED",
      params: { max_depth: 4, learning_rate: 0.03, n_estimators: 150 },
      metrics: { accuracy: expect.any(Number), f1: expect.any(Number), loss: expect.any(Number) },
      start_time: "2024-05-01T09:00:00Z",
      end_time: "2024-05-01T09:21:00Z",
    });
    expect(await demo.call("/runs/run-999")).toMatchObject({ status: 404, body: { detail: "Run 'run-999' not found" } });
  });

  it("answers a batch of ids as a list, unknown ids left out", async () => {
    const ids = (path: string) => demo.call(path).then((answer) => list(answer.body).map((run) => run["run_id"]));
    expect(await ids("/runs?ids=run-002,run-001,nope")).toEqual(["run-001", "run-002"]);
    expect(await ids("/runs?ids=run-003&ids=run-001")).toEqual(["run-001", "run-003"]);
    expect(await ids("/runs?ids=")).toEqual([]);
  });

  it("lists the newest runs, 50 by default", async () => {
    expect(list((await demo.call("/runs")).body)).toHaveLength(50);
    const two = list((await demo.call("/runs?limit=2&status=RUNNING")).body);
    expect(two).toHaveLength(2);
    expect(two.every((run) => run["status"] === "RUNNING" && run["end_time"] === null)).toBe(true);
    expect(issueLocations(await demo.call("/runs?limit=0"))).toEqual([["query", "limit"]]);
  });
});
