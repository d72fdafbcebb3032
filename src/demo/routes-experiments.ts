import { cachePolicy } from "./cache-policy.js";
import { notFound, unprocessable } from "./http-error.js";
import { getEnumQuery, getIdList, getIntQuery } from "./params.js";
import type { DemoRoute, DemoRouteContext } from "./router.js";
import type { ExperimentRecord, RunRecord, RunStatus } from "./types.js";

const RUN_STATUSES: readonly RunStatus[] = ["RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"];

/** Experiments and their runs, MLflow-like. Run lists are newest first. */
export const experimentRoutes: DemoRoute[] = [
  {
    method: "GET",
    path: "/experiments",
    handle({ data, query }) {
      // Pages by an opaque cursor when `limit` is given (all of them otherwise), as MLflow's search does.
      const all = [...data.experiments.values()];
      const start = decodeExperimentCursor(query.get("cursor"), all.length);
      const limit = getIntQuery(query, "limit", all.length, { min: 1, max: 100 });
      const end = Math.min(start + limit, all.length);
      const next = end < all.length ? Buffer.from(`experiments:${end}`).toString("base64url") : null;
      return { body: { experiments: all.slice(start, end), next_cursor: next }, cacheControl: cachePolicy.experiments };
    },
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
      // `limit`/`offset` page the list (all of it without them); `total` counts every match.
      const offset = getIntQuery(context.query, "offset", 0, { min: 0 });
      const limit = getIntQuery(context.query, "limit", runs.length, { min: 1, max: 200 });
      return { body: { runs: runs.slice(offset, offset + limit), total: runs.length }, cacheControl: cachePolicy.runs };
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

/** The index an experiments cursor stands for (0 without one); 422 for a cursor this service did not issue. */
function decodeExperimentCursor(cursor: string | null, count: number): number {
  if (cursor === null || cursor === "") return 0;
  const match = /^experiments:(\d+)$/.exec(Buffer.from(cursor, "base64url").toString("utf8"));
  const index = match === null ? Number.NaN : Number(match[1]);
  if (!(index >= 0 && index <= count))
    throw unprocessable({ type: "value_error", loc: ["query", "cursor"], msg: "Value error, invalid cursor", input: cursor });
  return index;
}

function newestFirst(runs: RunRecord[]): RunRecord[] {
  return runs.sort((a, b) => b.start_time.localeCompare(a.start_time));
}
