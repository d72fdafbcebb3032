import { advanceRun, startRunClock } from "./advance-run.js";
import { cachePolicy } from "./cache-policy.js";
import { DemoHttpError, assertNoIssues, notFound, unprocessable, type ValidationIssue } from "./http-error.js";
import { isJsonObject, optionalObjectBody, type JsonObject } from "./json-body.js";
import { getEnumQuery } from "./params.js";
import type { DemoRoute, DemoRouteContext } from "./router.js";
import { triggerDateOf } from "./seed-pipelines.js";
import type { PipelineRecord, PipelineRunRecord, PipelineRunState } from "./types.js";

const RUN_STATES: readonly PipelineRunState[] = ["queued", "running", "success", "failed"];

/** Pipelines and their runs, Airflow-like (DAGs and DAG runs). Run lists are newest first. */
export const pipelineRoutes: DemoRoute[] = [
  {
    method: "GET",
    path: "/pipelines",
    handle({ data }) {
      const pipelines = [...data.pipelines.values()];
      return { body: { pipelines, total_entries: pipelines.length }, cacheControl: cachePolicy.pipelines, etag: true };
    },
  },
  {
    method: "GET",
    path: "/pipelines/{pipeline_id}",
    handle: (context) => ({ body: getPipeline(context), cacheControl: cachePolicy.pipelines, etag: true }),
  },
  {
    method: "GET",
    path: "/pipelines/{pipeline_id}/runs",
    handle(context) {
      const pipeline = getPipeline(context);
      const state = getEnumQuery(context.query, "state", RUN_STATES);
      const runs = [...(context.data.pipelineRuns.get(pipeline.pipeline_id) ?? [])]
        .reverse()
        .map((run) => advanceRun(run))
        .filter((run) => state === undefined || run.state === state);
      return { body: { pipeline_runs: runs, total_entries: runs.length }, cacheControl: cachePolicy.pipelines, etag: true };
    },
  },
  {
    // One run, as a client polls it after a trigger (never cached: its state moves).
    method: "GET",
    path: "/pipelines/{pipeline_id}/runs/{run_id}",
    handle(context) {
      const pipeline = getPipeline(context);
      const id = context.params["run_id"] ?? "";
      const run = context.data.pipelineRuns.get(pipeline.pipeline_id)?.find((candidate) => candidate.run_id === id);
      if (run === undefined) throw notFound(`Pipeline run '${id}' not found`);
      return { body: advanceRun(run), cacheControl: "no-store" };
    },
  },
  {
    method: "POST",
    path: "/pipelines/{pipeline_id}/runs",
    handle(context) {
      const pipeline = getPipeline(context);
      const trigger = readTriggerBody(context.readJson());
      if (pipeline.is_paused) throw new DemoHttpError(409, `Pipeline '${pipeline.pipeline_id}' is paused`);
      const runs = context.data.pipelineRuns.get(pipeline.pipeline_id) ?? [];
      const logicalDate = triggerDateOf(context.data.triggeredRuns + 1);
      const runId = trigger.runId ?? `manual__${logicalDate}`;
      if (runs.some((run) => run.run_id === runId)) throw new DemoHttpError(409, `Pipeline run '${runId}' already exists`);
      context.data.triggeredRuns += 1;
      const run: PipelineRunRecord = {
        run_id: runId,
        pipeline_id: pipeline.pipeline_id,
        state: "queued",
        run_type: "manual",
        conf: trigger.conf,
        logical_date: logicalDate,
        start_date: null,
        end_date: null,
      };
      startRunClock(run);
      context.data.pipelineRuns.set(pipeline.pipeline_id, [...runs, run]);
      return { status: 201, body: run };
    },
  },
  {
    method: "PUT",
    path: "/pipelines/{pipeline_id}/pause",
    handle(context) {
      const pipeline = getPipeline(context);
      // The body is optional: an empty PUT pauses; `{"is_paused": false}` resumes.
      const isPaused = optionalObjectBody(context.readJson())["is_paused"] ?? true;
      if (typeof isPaused !== "boolean") {
        throw unprocessable({ type: "bool_type", loc: ["body", "is_paused"], msg: "Input should be a valid boolean", input: isPaused });
      }
      pipeline.is_paused = isPaused;
      return { body: pipeline };
    },
  },
];

function getPipeline({ data, params }: DemoRouteContext): PipelineRecord {
  const id = params["pipeline_id"] ?? "";
  const pipeline = data.pipelines.get(id);
  if (pipeline === undefined) throw notFound(`Pipeline '${id}' not found`);
  return pipeline;
}

/** `{"conf": {...}, "run_id": "..."}`, both optional, as Airflow's trigger takes them. */
function readTriggerBody(json: unknown): { conf: JsonObject; runId: string | undefined } {
  const body = optionalObjectBody(json);
  const issues: ValidationIssue[] = [];
  const conf = body["conf"] ?? {};
  if (!isJsonObject(conf)) {
    issues.push({ type: "dict_type", loc: ["body", "conf"], msg: "Input should be a valid dictionary", input: conf });
  }
  const runId = body["run_id"] ?? undefined;
  if (runId !== undefined && typeof runId !== "string") {
    issues.push({ type: "string_type", loc: ["body", "run_id"], msg: "Input should be a valid string", input: runId });
  }
  assertNoIssues(issues);
  return { conf: isJsonObject(conf) ? conf : {}, runId: typeof runId === "string" ? runId : undefined };
}
