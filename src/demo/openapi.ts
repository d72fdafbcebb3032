import { buildOperation, jsonResponse, pathParam, queryParam, type OperationSpec } from "./openapi-operation.js";
import { componentSchemas, nullable, ref } from "./openapi-schemas.js";
import { streamPaths, streamSchemas } from "./openapi-streams.js";
import type { HttpVerb, OpenApiDocument, ParameterObject, PathItemObject, SchemaObject } from "./openapi-types.js";

const limit = (max: number, fallback: number): ParameterObject =>
  queryParam("limit", { type: "integer", minimum: 1, maximum: max, default: fallback });
const ids = (items: SchemaObject): ParameterObject =>
  queryParam("ids", nullable({ type: "array", items }), "Batch form: `ids=1,2,3` or `ids=1&ids=2`. Unknown ids are left out.");
const runStatus = queryParam("status", nullable(ref("RunStatus")));
const pipelineId = pathParam("pipeline_id");
const listOf = (name: string, title: string): SchemaObject => ({ type: "array", items: ref(name), title });
const notModified = { "304": { description: "Not Modified: the ETag in If-None-Match still matches" } };

/** Every operation, by tag and then by "METHOD /path" (the route table of `routes.ts`). */
const operations: Record<string, Record<string, OperationSpec>> = {
  meta: {
    "GET /healthz": { fn: "healthz", ok: [200, ref("Health")] },
    "GET /openapi.json": { fn: "get_openapi", description: "This document.", ok: [200, { type: "object" }] },
  },
  models: {
    "GET /models": {
      fn: "list_models",
      params: [limit(100, 20), queryParam("cursor", nullable({ type: "string" }))],
      ok: [200, ref("ModelPage")],
      extra: notModified,
    },
    "POST /models:batchGet": {
      fn: "batch_get_models",
      description: "Unknown names are left out of the answer.",
      body: "BatchGetModelsRequest",
      ok: [200, ref("BatchGetModelsResponse")],
    },
    "GET /models/{name}": { fn: "get_model", params: [pathParam("name")], ok: [200, ref("Model")], notFound: true, extra: notModified },
    "PATCH /models/{name}": {
      fn: "update_model",
      params: [pathParam("name")],
      body: "ModelUpdate",
      ok: [200, ref("Model")],
      notFound: true,
    },
    "DELETE /models/{name}": { fn: "delete_model", params: [pathParam("name")], ok: [204], notFound: true },
    "GET /models/{name}/versions": {
      fn: "list_model_versions",
      params: [pathParam("name")],
      ok: [200, ref("ModelVersionList")],
      notFound: true,
      extra: notModified,
    },
  },
  inference: {
    "POST /models/{name}/predict": {
      fn: "predict",
      params: [pathParam("name")],
      body: "PredictRequest",
      ok: [200, ref("PredictResponse")],
      notFound: true,
    },
    "POST /models/{name}/classify": {
      fn: "classify",
      description: "Labels for an uploaded image, best first (computed from the file's bytes).",
      params: [pathParam("name")],
      form: "Body_classify_models__name__classify_post",
      ok: [200, listOf("ImageLabel", "Response Classify Models  Name  Classify Post")],
      notFound: true,
    },
  },
  experiments: {
    "GET /experiments": {
      fn: "list_experiments",
      description: "All of them, or a page of `limit` with an opaque `cursor`.",
      params: [
        queryParam("limit", nullable({ type: "integer", minimum: 1, maximum: 100 })),
        queryParam("cursor", nullable({ type: "string" })),
      ],
      ok: [200, ref("ExperimentList")],
    },
    "GET /experiments/{experiment_id}": {
      fn: "get_experiment",
      params: [pathParam("experiment_id")],
      ok: [200, ref("Experiment")],
      notFound: true,
    },
    "GET /experiments/{experiment_id}/runs": {
      fn: "list_experiment_runs",
      description: "Newest first.",
      params: [
        pathParam("experiment_id"),
        runStatus,
        queryParam("limit", nullable({ type: "integer", minimum: 1, maximum: 200 })),
        queryParam("offset", { type: "integer", minimum: 0, default: 0 }),
      ],
      ok: [200, ref("ExperimentRunList")],
      notFound: true,
    },
    "GET /runs": {
      fn: "list_runs",
      description: "Newest first; with `ids`, the batch form (in storage order).",
      params: [ids({ type: "string" }), limit(200, 50), runStatus],
      ok: [200, listOf("Run", "Response List Runs Runs Get")],
    },
    "GET /runs/{run_id}": { fn: "get_run", params: [pathParam("run_id")], ok: [200, ref("Run")], notFound: true },
  },
  pipelines: {
    "GET /pipelines": { fn: "list_pipelines", ok: [200, ref("PipelineList")], extra: notModified },
    "GET /pipelines/{pipeline_id}": {
      fn: "get_pipeline",
      params: [pipelineId],
      ok: [200, ref("Pipeline")],
      notFound: true,
      extra: notModified,
    },
    "GET /pipelines/{pipeline_id}/runs": {
      fn: "list_pipeline_runs",
      description: "Newest first.",
      params: [pipelineId, queryParam("state", nullable(ref("PipelineRunState")))],
      ok: [200, ref("PipelineRunList")],
      notFound: true,
      extra: notModified,
    },
    "GET /pipelines/{pipeline_id}/runs/{run_id}": {
      fn: "get_pipeline_run",
      description:
        "A triggered run moves queued → running → success (failed with `conf.fail`), a step apart (1.5 s, or `conf.demo_step_ms`).",
      params: [pipelineId, pathParam("run_id")],
      ok: [200, ref("PipelineRun")],
      notFound: true,
    },
    "POST /pipelines/{pipeline_id}/runs": {
      fn: "trigger_pipeline_run",
      params: [pipelineId],
      body: "TriggerPipelineRun",
      ok: [201, ref("PipelineRun")],
      notFound: true,
      extra: { "409": jsonResponse("The pipeline is paused, or the run id is taken", ref("HTTPError")) },
    },
    "PUT /pipelines/{pipeline_id}/pause": {
      fn: "set_pipeline_paused",
      description: 'Pauses, or resumes with `{"is_paused": false}`. An empty body pauses.',
      params: [pipelineId],
      body: "PipelinePause",
      ok: [200, ref("Pipeline")],
      notFound: true,
    },
  },
  users: {
    "GET /users": { fn: "list_users", params: [ids({ type: "integer" })], ok: [200, listOf("User", "Response List Users Users Get")] },
    "GET /users/{user_id}": { fn: "get_user", params: [pathParam("user_id", { type: "integer" })], ok: [200, ref("User")], notFound: true },
    "GET /teams": { fn: "list_teams", params: [ids({ type: "integer" })], ok: [200, listOf("Team", "Response List Teams Teams Get")] },
    "GET /teams/{team_id}": { fn: "get_team", params: [pathParam("team_id", { type: "integer" })], ok: [200, ref("Team")], notFound: true },
    "GET /me": {
      fn: "read_me",
      description: "The caller, from `Authorization: Bearer user-<id>`.",
      ok: [200, ref("User")],
      security: [{ HTTPBearer: [] }],
      extra: { "401": jsonResponse("Not authenticated", ref("HTTPError")) },
    },
  },
};

function buildPaths(): Record<string, PathItemObject> {
  const paths: Record<string, PathItemObject> = {};
  for (const [tag, specs] of Object.entries(operations)) {
    for (const [key, spec] of Object.entries(specs)) {
      const [method = "", path = ""] = key.split(" ");
      const verb = method.toLowerCase() as HttpVerb;
      paths[path] = { ...paths[path], [verb]: buildOperation(verb, path, tag, spec) };
    }
  }
  return paths;
}

/** The demo upstream's OpenAPI 3.1 document, as FastAPI would generate it. */
export const openApiDocument: OpenApiDocument = {
  openapi: "3.1.0",
  info: {
    title: "Trestle demo AI platform",
    version: "1.0.0",
    description: "Model registry, inference, experiments, pipelines and users: the upstream behind Trestle's demo schema.",
  },
  paths: { ...buildPaths(), ...streamPaths() },
  components: {
    schemas: { ...componentSchemas, ...streamSchemas },
    securitySchemes: { HTTPBearer: { type: "http", scheme: "bearer" } },
  },
};
