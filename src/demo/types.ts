/**
 * Wire shapes of the demo upstream: the snake_case JSON a Python (FastAPI) service
 * would answer. Records are stored exactly as they are served.
 */

export interface UserRecord {
  id: number;
  name: string;
  email: string;
  team_id: number;
}

export interface TeamRecord {
  id: number;
  name: string;
  slug: string;
}

export interface ModelRecord {
  name: string;
  description: string | null;
  latest_version: number;
  owner_id: number;
  created_at: string;
  tags: string[];
  meta: { stage: ModelStage; framework: string };
}

export type ModelStage = "None" | "Staging" | "Production" | "Archived";

export interface ModelVersionRecord {
  version: number;
  status: "READY" | "PENDING_REGISTRATION" | "FAILED_REGISTRATION";
  created_at: string;
  run_id: string;
  metrics: { accuracy: number | null; f1: number | null };
}

export interface ExperimentRecord {
  experiment_id: string;
  name: string;
  owner_id: number;
  lifecycle_stage: "active" | "deleted";
  created_at: string;
  tags: string[];
}

export type RunStatus = "RUNNING" | "SCHEDULED" | "FINISHED" | "FAILED" | "KILLED";

export interface RunRecord {
  run_id: string;
  experiment_id: string;
  user_id: number;
  status: RunStatus;
  params: Record<string, string | number>;
  metrics: { accuracy: number | null; f1: number | null; loss: number | null };
  start_time: string;
  end_time: string | null;
}

export interface PipelineRecord {
  pipeline_id: string;
  description: string | null;
  owner_id: number;
  model_name: string;
  schedule: string | null;
  is_paused: boolean;
  tags: string[];
}

export type PipelineRunState = "queued" | "running" | "success" | "failed";

export interface PipelineRunRecord {
  run_id: string;
  pipeline_id: string;
  state: PipelineRunState;
  run_type: "scheduled" | "manual";
  conf: Record<string, unknown>;
  logical_date: string;
  start_date: string | null;
  end_date: string | null;
}

/** One instance's mutable state; `createDemoData()` builds a fresh one per server. */
export interface DemoData {
  users: Map<number, UserRecord>;
  teams: Map<number, TeamRecord>;
  models: Map<string, ModelRecord>;
  modelVersions: Map<string, ModelVersionRecord[]>;
  /** Labels a model's predictions choose from (not served; drives `predict`). */
  modelLabels: Map<string, string[]>;
  experiments: Map<string, ExperimentRecord>;
  runs: Map<string, RunRecord>;
  pipelines: Map<string, PipelineRecord>;
  pipelineRuns: Map<string, PipelineRunRecord[]>;
  /** Manual pipeline runs triggered so far: numbers their ids and logical dates. */
  triggeredRuns: number;
}
