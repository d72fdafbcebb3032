import { describe, expect, it } from "vitest";
import { createDemoData } from "../../src/demo/data.js";

const data = createDemoData();

describe("createDemoData", () => {
  it("holds enough data for pagination and N+1 demos", () => {
    expect(data.models.size).toBeGreaterThanOrEqual(8);
    expect(data.users.size).toBeGreaterThanOrEqual(60);
    expect(data.runs.size).toBeGreaterThanOrEqual(50);
  });

  it("has every parent key point at a record that exists", () => {
    for (const user of data.users.values()) expect(data.teams.has(user.team_id), `user ${user.id}`).toBe(true);
    for (const model of data.models.values()) {
      expect(data.users.has(model.owner_id), model.name).toBe(true);
      expect(data.modelVersions.get(model.name)).toHaveLength(model.latest_version);
      expect(data.modelLabels.get(model.name)?.length).toBeGreaterThanOrEqual(2);
    }
    for (const [name, versions] of data.modelVersions) {
      for (const version of versions) expect(data.runs.get(version.run_id)?.status, `${name} v${version.version}`).toBe("FINISHED");
    }
    for (const experiment of data.experiments.values()) expect(data.users.has(experiment.owner_id)).toBe(true);
    for (const run of data.runs.values()) {
      expect(data.users.has(run.user_id), run.run_id).toBe(true);
      expect(data.experiments.has(run.experiment_id), run.run_id).toBe(true);
    }
    for (const pipeline of data.pipelines.values()) {
      expect(data.users.has(pipeline.owner_id), pipeline.pipeline_id).toBe(true);
      expect(data.models.has(pipeline.model_name), pipeline.pipeline_id).toBe(true);
      expect(data.pipelineRuns.get(pipeline.pipeline_id)?.length).toBeGreaterThanOrEqual(3);
    }
  });

  it("is the same on every call, and shares no object between calls", () => {
    const other = createDemoData();
    expect(other).toEqual(data);
    other.models.get("fraud-xgb")?.tags.push("changed");
    const meta = other.models.get("fraud-xgb")?.meta;
    if (meta !== undefined) meta.stage = "Archived";
    other.pipelines.get("sentiment-eval")?.tags.push("changed");
    other.modelVersions.get("fraud-xgb")?.pop();
    expect(createDemoData()).toEqual(data);
    expect(data.models.get("fraud-xgb")?.meta.stage).toBe("Production");
  });
});
