import { isoDate } from "./iso-date.js";
import type { PipelineRecord, PipelineRunRecord, PipelineRunState } from "./types.js";

const PIPELINE_SEEDS: PipelineRecord[] = [
  {
    pipeline_id: "nightly-retrain-fraud",
    description: "Retrains fraud-xgb on yesterday's labelled transactions",
    owner_id: 3,
    model_name: "fraud-xgb",
    schedule: "0 2 * * *",
    is_paused: false,
    tags: ["retrain", "fraud"],
  },
  {
    pipeline_id: "weekly-churn-refresh",
    description: "Refreshes churn features and scores every account",
    owner_id: 5,
    model_name: "churn-lgbm",
    schedule: "0 4 * * 1",
    is_paused: false,
    tags: ["batch-scoring"],
  },
  {
    pipeline_id: "sentiment-eval",
    description: "Evaluates sentiment-bert against the weekly golden set",
    owner_id: 7,
    model_name: "sentiment-bert",
    schedule: "@daily",
    is_paused: false,
    tags: ["evaluation"],
  },
  {
    pipeline_id: "defect-vision-retrain",
    description: null,
    owner_id: 12,
    model_name: "resnet50-defects",
    schedule: null,
    is_paused: false,
    tags: ["retrain", "vision"],
  },
  {
    pipeline_id: "demand-forecast-backfill",
    description: "Backfills monthly forecasts after data corrections",
    owner_id: 21,
    model_name: "demand-forecast-prophet",
    schedule: "0 6 1 * *",
    is_paused: true,
    tags: ["backfill"],
  },
  {
    pipeline_id: "toxicity-shadow-eval",
    description: "Shadow-scores new posts with the staging toxicity model",
    owner_id: 30,
    model_name: "toxicity-roberta",
    schedule: "@hourly",
    is_paused: false,
    tags: ["evaluation", "shadow"],
  },
];

const RUNS_START = Date.parse("2024-06-01T02:00:00Z");
const DAY_MS = 86_400_000;
/** Manual runs triggered at run time get logical dates from here, a minute apart. */
const TRIGGER_START = Date.parse("2024-06-15T12:00:00Z");

export function seedPipelines(): PipelineRecord[] {
  return PIPELINE_SEEDS.map((pipeline) => ({ ...pipeline, tags: [...pipeline.tags] }));
}

/** Three to five scheduled runs per pipeline, oldest first; the newest may still be running. */
export function seedPipelineRuns(): Map<string, PipelineRunRecord[]> {
  const runs = new Map<string, PipelineRunRecord[]>();
  PIPELINE_SEEDS.forEach((pipeline, pipelineIndex) => {
    const count = 3 + (pipelineIndex % 3);
    const list: PipelineRunRecord[] = [];
    for (let n = 0; n < count; n++) {
      const logical = RUNS_START + (n * 2 + pipelineIndex) * DAY_MS;
      const state: PipelineRunState = n === count - 1 && pipelineIndex % 2 === 0 ? "running" : n === 1 ? "failed" : "success";
      list.push({
        run_id: `scheduled__${isoDate(logical)}`,
        pipeline_id: pipeline.pipeline_id,
        state,
        run_type: "scheduled",
        conf: {},
        logical_date: isoDate(logical),
        start_date: isoDate(logical + 60_000),
        end_date: state === "running" ? null : isoDate(logical + (15 + pipelineIndex * 5) * 60_000),
      });
    }
    runs.set(pipeline.pipeline_id, list);
  });
  return runs;
}

/** The logical date of the `n`-th manual run (1-based) of an instance. */
export function triggerDateOf(n: number): string {
  return isoDate(TRIGGER_START + (n - 1) * 60_000);
}
