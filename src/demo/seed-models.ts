import { isoDate } from "./iso-date.js";
import type { ModelRecord, ModelStage, ModelVersionRecord, RunRecord } from "./types.js";

interface ModelSeed {
  name: string;
  description: string | null;
  framework: string;
  stage: ModelStage;
  ownerId: number;
  tags: string[];
  /** Prediction labels, the first one being the "negative" class. */
  labels: string[];
  /** Experiment whose runs produced the versions. */
  experimentId: string;
  versions: number;
}

// Kept sorted by name: the list endpoint pages by name.
const MODEL_SEEDS: ModelSeed[] = [
  {
    name: "churn-lgbm",
    description: "Monthly churn propensity for subscription accounts",
    framework: "lightgbm",
    stage: "Production",
    ownerId: 5,
    tags: ["tabular", "churn"],
    labels: ["stay", "churn"],
    experimentId: "1",
    versions: 4,
  },
  {
    name: "demand-forecast-prophet",
    description: "Weekly demand direction per store and SKU",
    framework: "prophet",
    stage: "Staging",
    ownerId: 21,
    tags: ["forecasting"],
    labels: ["down", "flat", "up"],
    experimentId: "4",
    versions: 2,
  },
  {
    name: "fraud-xgb",
    description: "Card-not-present fraud scoring",
    framework: "xgboost",
    stage: "Production",
    ownerId: 3,
    tags: ["tabular", "fraud", "realtime"],
    labels: ["legit", "fraud"],
    experimentId: "1",
    versions: 5,
  },
  {
    name: "intent-distilbert",
    description: "Routes support tickets by intent",
    framework: "transformers",
    stage: "Production",
    ownerId: 8,
    tags: ["nlp", "support"],
    labels: ["other", "billing", "bug", "feature_request", "account"],
    experimentId: "2",
    versions: 3,
  },
  {
    name: "invoice-layoutlm",
    description: "Classifies scanned business documents",
    framework: "transformers",
    stage: "Staging",
    ownerId: 14,
    tags: ["vision", "documents"],
    labels: ["other", "invoice", "receipt", "contract"],
    experimentId: "3",
    versions: 2,
  },
  {
    name: "lang-id-whisper-small",
    description: "Spoken language identification for support calls",
    framework: "pytorch",
    stage: "None",
    ownerId: 33,
    tags: ["speech"],
    labels: ["en", "de", "fr", "es"],
    experimentId: "2",
    versions: 1,
  },
  {
    name: "ner-spacy-en",
    description: "Named entities in English support tickets",
    framework: "spacy",
    stage: "Production",
    ownerId: 41,
    tags: ["nlp"],
    labels: ["MISC", "PERSON", "ORG", "LOC"],
    experimentId: "2",
    versions: 3,
  },
  {
    name: "reco-two-tower",
    description: "Candidate retrieval for the home feed",
    framework: "tensorflow",
    stage: "Production",
    ownerId: 27,
    tags: ["recsys"],
    labels: ["skip", "click"],
    experimentId: "1",
    versions: 4,
  },
  {
    name: "resnet50-defects",
    description: "Surface defect detection on the assembly line",
    framework: "pytorch",
    stage: "Production",
    ownerId: 12,
    tags: ["vision", "manufacturing"],
    labels: ["ok", "scratch", "dent", "crack"],
    experimentId: "3",
    versions: 3,
  },
  {
    name: "sentiment-bert",
    description: "Review sentiment, three classes",
    framework: "transformers",
    stage: "Production",
    ownerId: 7,
    tags: ["nlp"],
    labels: ["negative", "neutral", "positive"],
    experimentId: "2",
    versions: 4,
  },
  {
    name: "spam-fasttext",
    description: null,
    framework: "fasttext",
    stage: "Archived",
    ownerId: 52,
    tags: [],
    labels: ["ham", "spam"],
    experimentId: "2",
    versions: 2,
  },
  {
    name: "toxicity-roberta",
    description: "Flags toxic community posts",
    framework: "transformers",
    stage: "Staging",
    ownerId: 30,
    tags: ["nlp", "trust-safety"],
    labels: ["non_toxic", "toxic"],
    experimentId: "2",
    versions: 2,
  },
];

const MODELS_START = Date.parse("2024-05-06T10:00:00Z");
const DAY_MS = 86_400_000;

export function seedModels(): ModelRecord[] {
  return MODEL_SEEDS.map((seed, index) => ({
    name: seed.name,
    description: seed.description,
    latest_version: seed.versions,
    owner_id: seed.ownerId,
    created_at: isoDate(MODELS_START + index * 3 * DAY_MS),
    tags: [...seed.tags],
    meta: { stage: seed.stage, framework: seed.framework },
  }));
}

export function seedModelLabels(): Map<string, string[]> {
  return new Map(MODEL_SEEDS.map((seed) => [seed.name, [...seed.labels]]));
}

/** Versions 1…n of every model; each comes from a finished run of its experiment and copies its metrics. */
export function seedModelVersions(runs: Map<string, RunRecord>): Map<string, ModelVersionRecord[]> {
  const versions = new Map<string, ModelVersionRecord[]>();
  MODEL_SEEDS.forEach((seed, modelIndex) => {
    const finished = [...runs.values()].filter((run) => run.experiment_id === seed.experimentId && run.status === "FINISHED");
    const list: ModelVersionRecord[] = [];
    for (let version = 1; version <= seed.versions; version++) {
      const run = finished[(modelIndex + version * 7) % finished.length];
      if (run === undefined) throw new Error(`Experiment "${seed.experimentId}" has no finished run for ${seed.name}`);
      list.push({
        version,
        status: version === seed.versions && seed.stage === "None" ? "PENDING_REGISTRATION" : "READY",
        created_at: isoDate(MODELS_START + (modelIndex * 3 + version * 7) * DAY_MS),
        run_id: run.run_id,
        metrics: { accuracy: run.metrics.accuracy, f1: run.metrics.f1 },
      });
    }
    versions.set(seed.name, list);
  });
  return versions;
}
