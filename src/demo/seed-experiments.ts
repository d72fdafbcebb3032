import { isoDate } from "./iso-date.js";
import type { ExperimentRecord, RunRecord, RunStatus } from "./types.js";

interface ExperimentSeed {
  experiment: ExperimentRecord;
  /** How many runs the experiment holds: the first one's 50 runs are the N+1 demo. */
  runCount: number;
}

const EXPERIMENT_SEEDS: ExperimentSeed[] = [
  {
    runCount: 50,
    experiment: {
      experiment_id: "1",
      name: "fraud-detection-sweep",
      owner_id: 3,
      lifecycle_stage: "active",
      created_at: "2024-04-02T09:00:00Z",
      tags: ["tabular", "sweep"],
    },
  },
  {
    runCount: 8,
    experiment: {
      experiment_id: "2",
      name: "sentiment-finetune",
      owner_id: 7,
      lifecycle_stage: "active",
      created_at: "2024-04-09T09:00:00Z",
      tags: ["nlp"],
    },
  },
  {
    runCount: 6,
    experiment: {
      experiment_id: "3",
      name: "defect-vision",
      owner_id: 12,
      lifecycle_stage: "active",
      created_at: "2024-04-16T09:00:00Z",
      tags: ["vision"],
    },
  },
  {
    runCount: 6,
    experiment: {
      experiment_id: "4",
      name: "demand-forecast-backtest",
      owner_id: 21,
      lifecycle_stage: "active",
      created_at: "2024-04-23T09:00:00Z",
      tags: ["forecasting"],
    },
  },
];

const RUNS_START = Date.parse("2024-05-01T08:00:00Z");
const HOUR_MS = 3_600_000;

export function seedExperiments(): ExperimentRecord[] {
  return EXPERIMENT_SEEDS.map((seed) => ({ ...seed.experiment, tags: [...seed.experiment.tags] }));
}

/** Run ids are numbered across experiments: run-001 … run-070. */
export function runIdOf(index: number): string {
  return `run-${String(index).padStart(3, "0")}`;
}

export function seedRuns(): RunRecord[] {
  const runs: RunRecord[] = [];
  let index = 1;
  for (const seed of EXPERIMENT_SEEDS) {
    for (let n = 0; n < seed.runCount; n++, index++) {
      runs.push(buildRun(seed.experiment.experiment_id, index, seed.runCount - n));
    }
  }
  return runs;
}

function buildRun(experimentId: string, index: number, remaining: number): RunRecord {
  const status = runStatusOf(index, remaining);
  const start = RUNS_START + index * HOUR_MS;
  const accuracy = round4(0.8 + ((index * 37) % 150) / 1000);
  const done = status === "FINISHED";
  return {
    run_id: runIdOf(index),
    experiment_id: experimentId,
    // 7 is coprime to 40: the first experiment's 50 runs name 40 distinct users, 10 of them twice.
    user_id: experimentId === "1" ? ((index * 7) % 40) + 1 : ((index * 11) % 60) + 1,
    status,
    params: paramsOf(experimentId, index),
    metrics: {
      accuracy: done ? accuracy : null,
      f1: done ? round4(accuracy - 0.03) : null,
      loss: status === "FAILED" || status === "SCHEDULED" ? null : round4(1 - accuracy),
    },
    start_time: isoDate(start),
    end_time: status === "RUNNING" || status === "SCHEDULED" ? null : isoDate(start + (20 + (index % 40)) * 60_000),
  };
}

function runStatusOf(index: number, remaining: number): RunStatus {
  if (remaining === 1 && index % 2 === 0) return "SCHEDULED";
  if (remaining <= 2) return "RUNNING";
  if (index % 9 === 0) return "FAILED";
  if (index % 17 === 0) return "KILLED";
  return "FINISHED";
}

function paramsOf(experimentId: string, index: number): Record<string, string | number> {
  const learningRate = [0.01, 0.03, 0.1, 0.3][index % 4] ?? 0.1;
  if (experimentId === "1") {
    return { max_depth: 3 + (index % 6), learning_rate: learningRate, n_estimators: 100 + 50 * (index % 5) };
  }
  return { learning_rate: learningRate, epochs: 3 + (index % 5), batch_size: 16 << (index % 3), optimizer: "adamw" };
}

function round4(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}
