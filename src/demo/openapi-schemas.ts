import type { SchemaObject } from "./openapi-types.js";

/** `#/components/schemas/<name>`. */
export function ref(name: string): SchemaObject {
  return { $ref: `#/components/schemas/${name}` };
}

/** A nullable value the way FastAPI (pydantic v2) writes `X | None`. */
export function nullable(schema: SchemaObject, extra: SchemaObject = {}): SchemaObject {
  return { anyOf: [schema, { type: "null" }], ...extra };
}

/** A model object; like pydantic, every property but a `$ref` gets a title made from its name. */
export function object(
  title: string,
  properties: Record<string, SchemaObject>,
  required: string[] = Object.keys(properties),
): SchemaObject {
  const titled = Object.fromEntries(
    Object.entries(properties).map(([key, schema]) => [key, schema.$ref === undefined ? { ...schema, title: titleOf(key) } : schema]),
  );
  return { type: "object", title, properties: titled, required };
}

export function titleOf(key: string): string {
  return key
    .split("_")
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join(" ");
}

const string: SchemaObject = { type: "string" };
const integer: SchemaObject = { type: "integer" };
const number: SchemaObject = { type: "number" };
const dateTime: SchemaObject = { type: "string", format: "date-time" };
const strings: SchemaObject = { type: "array", items: string };
const listOf = (name: string): SchemaObject => ({ type: "array", items: ref(name) });
const enumOf = (title: string, values: string[]): SchemaObject => ({ type: "string", enum: values, title });

/** `components.schemas`, one entry per pydantic model of the service. */
export const componentSchemas: Record<string, SchemaObject> = {
  Health: object("Health", { status: string }),
  User: object("User", { id: integer, name: string, email: { type: "string", format: "email" }, team_id: integer }),
  Team: object("Team", { id: integer, name: string, slug: string }),
  ModelStage: enumOf("ModelStage", ["None", "Staging", "Production", "Archived"]),
  ModelMeta: object("ModelMeta", { stage: ref("ModelStage"), framework: string }),
  Model: object("Model", {
    name: string,
    description: nullable(string),
    latest_version: integer,
    owner_id: integer,
    created_at: dateTime,
    tags: strings,
    meta: ref("ModelMeta"),
  }),
  ModelPage: object("ModelPage", {
    items: listOf("Model"),
    next_cursor: nullable(string, { description: "Pass as `cursor` for the next page; null on the last page." }),
  }),
  ModelUpdate: object("ModelUpdate", { description: nullable(string), tags: nullable(strings) }, []),
  BatchGetModelsRequest: object("BatchGetModelsRequest", { names: strings }),
  BatchGetModelsResponse: object("BatchGetModelsResponse", { models: listOf("Model") }),
  VersionMetrics: object("VersionMetrics", { accuracy: nullable(number), f1: nullable(number) }),
  ModelVersion: object("ModelVersion", {
    version: integer,
    status: enumOf("ModelVersionStatus", ["READY", "PENDING_REGISTRATION", "FAILED_REGISTRATION"]),
    created_at: dateTime,
    run_id: string,
    metrics: ref("VersionMetrics"),
  }),
  ModelVersionList: object("ModelVersionList", { items: listOf("ModelVersion") }),
  PredictParameters: {
    ...object("PredictParameters", { top_k: nullable({ type: "integer", minimum: 1 }, { default: null }) }, []),
    additionalProperties: true,
  },
  PredictRequest: object(
    "PredictRequest",
    {
      inputs: {
        anyOf: [strings, { type: "array", items: { type: "array", items: number, minItems: 1 } }],
        minItems: 1,
        maxItems: 64,
        description: "Texts, or rows of numeric features.",
      },
      parameters: nullable(ref("PredictParameters"), { default: null }),
    },
    ["inputs"],
  ),
  LabelScore: object("LabelScore", { label: string, score: number }),
  PredictionOutput: object("PredictionOutput", { label: string, score: number, candidates: listOf("LabelScore") }),
  PredictResponse: object("PredictResponse", {
    model: string,
    model_version: integer,
    outputs: listOf("PredictionOutput"),
    latency_ms: integer,
  }),
  Body_classify_models__name__classify_post: object(
    "Body_classify_models__name__classify_post",
    { file: { type: "string", format: "binary" }, top_k: { type: "integer", default: 5 } },
    ["file"],
  ),
  ImageLabel: object("ImageLabel", { label: string, score: number }),
  Experiment: object("Experiment", {
    experiment_id: string,
    name: string,
    owner_id: integer,
    lifecycle_stage: enumOf("LifecycleStage", ["active", "deleted"]),
    created_at: dateTime,
    tags: strings,
  }),
  ExperimentList: object("ExperimentList", {
    experiments: listOf("Experiment"),
    next_cursor: nullable(string, { description: "Pass as `cursor` for the next page; null on the last page." }),
  }),
  RunStatus: enumOf("RunStatus", ["RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"]),
  RunMetrics: object("RunMetrics", { accuracy: nullable(number), f1: nullable(number), loss: nullable(number) }),
  Run: object("Run", {
    run_id: string,
    experiment_id: string,
    user_id: integer,
    status: ref("RunStatus"),
    params: { type: "object", additionalProperties: { anyOf: [string, number] } },
    metrics: ref("RunMetrics"),
    start_time: dateTime,
    end_time: nullable(dateTime),
  }),
  ExperimentRunList: object("ExperimentRunList", { runs: listOf("Run"), total: integer }),
  Pipeline: object("Pipeline", {
    pipeline_id: string,
    description: nullable(string),
    owner_id: integer,
    model_name: string,
    schedule: nullable(string, { description: "Cron expression or preset (`@daily`); null when only triggered by hand." }),
    is_paused: { type: "boolean" },
    tags: strings,
  }),
  PipelineList: object("PipelineList", { pipelines: listOf("Pipeline"), total_entries: integer }),
  PipelineRunState: enumOf("PipelineRunState", ["queued", "running", "success", "failed"]),
  PipelineRun: object("PipelineRun", {
    run_id: string,
    pipeline_id: string,
    state: ref("PipelineRunState"),
    run_type: enumOf("PipelineRunType", ["scheduled", "manual"]),
    conf: { type: "object", additionalProperties: true },
    logical_date: dateTime,
    start_date: nullable(dateTime),
    end_date: nullable(dateTime),
  }),
  PipelineRunList: object("PipelineRunList", { pipeline_runs: listOf("PipelineRun"), total_entries: integer }),
  TriggerPipelineRun: object(
    "TriggerPipelineRun",
    {
      conf: nullable({ type: "object", additionalProperties: true }, { default: null }),
      run_id: nullable(string, { default: null, description: "Defaults to `manual__<logical date>`." }),
    },
    [],
  ),
  PipelinePause: object("PipelinePause", { is_paused: { type: "boolean", default: true } }, []),
  HTTPError: object("HTTPError", { detail: string }),
  ValidationError: object("ValidationError", { loc: { type: "array", items: { anyOf: [string, integer] } }, msg: string, type: string }),
  HTTPValidationError: object("HTTPValidationError", { detail: listOf("ValidationError") }, []),
};
