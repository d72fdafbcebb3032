import { cachePolicy } from "./cache-policy.js";
import { notFound } from "./http-error.js";
import { getEnumQuery, getIdList, getIntQuery } from "./params.js";
import type { DemoRoute, DemoRouteContext } from "./router.js";
import type { ExperimentRecord, RunRecord, RunStatus } from "./types.js";

const RUN_STATUSES: readonly RunStatus[] = ["RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"];

/** Experiments and their runs, MLflow-like. Run lists are newest first. */
export const experimentRoutes: DemoRoute[] = [
  {
    method: "GET",
    path: "/experiments",
    handle: ({ data }) => ({ body: { experiments: [...data.experiments.values()] }, cacheControl: cachePolicy.experiments }),
  },
  {
    method: "GET",
    path: "/experiments/{experiment_id}",
    handle: (context) => ({ body: getExperiment(context), cacheControl: cachePolicy.experiments }),
  },
  {
    method: "GET",
    path: "/experiments/{experiment_id}/runs",
    handle(context) {
      const experiment = getExperiment(context);
      const status = getEnumQuery(context.query, "status", RUN_STATUSES);
      const runs = newestFirst([...context.data.runs.values()]).filter(
        (run) => run.experiment_id === experiment.experiment_id && (status === undefined || run.status === status),
      );
      return { body: { runs, total: runs.length }, cacheControl: cachePolicy.runs };
    },
  },
  {
    method: "GET",
    path: "/runs",
    handle({ data, query }) {
      // The batch form, `?ids=a,b` (or repeated): a list in storage order, unknown ids left out.
      const ids = getIdList(query);
      if (ids !== undefined) {
        const wanted = new Set(ids);
        return { body: [...data.runs.values()].filter((run) => wanted.has(run.run_id)), cacheControl: cachePolicy.runs };
      }
      const limit = getIntQuery(query, "limit", 50, { min: 1, max: 200 });
      const status = getEnumQuery(query, "status", RUN_STATUSES);
      const runs = newestFirst([...data.runs.values()]).filter((run) => status === undefined || run.status === status);
      return { body: runs.slice(0, limit), cacheControl: cachePolicy.runs };
    },
  },
  {
    method: "GET",
    path: "/runs/{run_id}",
    handle({ data, params }) {
      const runId = params["run_id"] ?? "";
      const run = data.runs.get(runId);
      if (run === undefined) throw notFound(`Run '${runId}' not found`);
      return { body: run, cacheControl: cachePolicy.runs };
    },
  },
];

function getExperiment({ data, params }: DemoRouteContext): ExperimentRecord {
  const id = params["experiment_id"] ?? "";
  const experiment = data.experiments.get(id);
  if (experiment === undefined) throw notFound(`Experiment '${id}' not found`);
  return experiment;
}

function newestFirst(runs: RunRecord[]): RunRecord[] {
  return runs.sort((a, b) => b.start_time.localeCompare(a.start_time));
}
