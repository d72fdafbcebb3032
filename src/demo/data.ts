import { seedExperiments, seedRuns } from "./seed-experiments.js";
import { seedModelLabels, seedModels, seedModelVersions } from "./seed-models.js";
import { seedPipelineRuns, seedPipelines } from "./seed-pipelines.js";
import { seedTeams, seedUsers } from "./seed-users.js";
import type { DemoData } from "./types.js";

/** A fresh copy of the seed data: every server instance mutates its own. */
export function createDemoData(): DemoData {
  const runs = new Map(seedRuns().map((run) => [run.run_id, run]));
  return {
    users: new Map(seedUsers().map((user) => [user.id, user])),
    teams: new Map(seedTeams().map((team) => [team.id, team])),
    models: new Map(seedModels().map((model) => [model.name, model])),
    modelVersions: seedModelVersions(runs),
    modelLabels: seedModelLabels(),
    experiments: new Map(seedExperiments().map((experiment) => [experiment.experiment_id, experiment])),
    runs,
    pipelines: new Map(seedPipelines().map((pipeline) => [pipeline.pipeline_id, pipeline])),
    pipelineRuns: seedPipelineRuns(),
    triggeredRuns: 0,
  };
}
