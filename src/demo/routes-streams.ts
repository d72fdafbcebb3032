import { createHash } from "node:crypto";
import { assertNoIssues, notFound, type ValidationIssue } from "./http-error.js";
import { isoDate } from "./iso-date.js";
import { requireObjectBody, type JsonObject } from "./json-body.js";
import type { DemoRoute } from "./router.js";
import { getModel } from "./routes-models.js";
import type { PipelineRunRecord } from "./types.js";

const MAX_TOKENS = 64;
const DEFAULT_TOKENS = 8;
const VOCABULARY = (
  "the model learns features from labelled data and scores each input with a calibrated probability " +
  "so that drift retraining evaluation and serving stay in one loop across every pipeline run"
).split(" ");

/**
 * The demo's streams: an OpenAI-style generation (`"stream": true` answers server-sent events,
 * one token per `data:` chunk, then `data: [DONE]`; without it one JSON completion) and a
 * pipeline run's log as NDJSON. Tokens and lines are deterministic (from the prompt, from the
 * run); the server writes the first part at once and the others `streamDelayMs` apart.
 */
export const streamRoutes: DemoRoute[] = [
  {
    method: "POST",
    path: "/models/{name}/generate",
    handle(context) {
      const model = getModel(context);
      const request = readGenerateBody(requireObjectBody(context.readJson()));
      const tokens = generateTokens(model.name, request.prompt, request.maxTokens);
      const id = `gen-${digest(`${model.name}\n${request.prompt}`).toString("hex").slice(0, 12)}`;
      if (!request.stream) {
        const message = { role: "assistant", content: tokens.join("") };
        return {
          body: {
            id,
            object: "chat.completion",
            model: model.name,
            choices: [{ index: 0, message, finish_reason: "stop" }],
            usage: { prompt_tokens: request.prompt.split(/\s+/).filter(Boolean).length, completion_tokens: tokens.length },
          },
        };
      }
      const chunks = tokens.map((content, index) => ({
        id,
        object: "chat.completion.chunk",
        model: model.name,
        choices: [{ index: 0, delta: { content }, finish_reason: index === tokens.length - 1 ? "stop" : null }],
      }));
      const parts = [...chunks.map((chunk) => `data: ${JSON.stringify(chunk)}\n\n`), "data: [DONE]\n\n"];
      return { stream: { contentType: "text/event-stream", parts } };
    },
  },
  {
    method: "GET",
    path: "/pipelines/{pipeline_id}/runs/{run_id}/logs",
    handle({ data, params }) {
      const pipelineId = params["pipeline_id"] ?? "";
      const runId = params["run_id"] ?? "";
      if (!data.pipelines.has(pipelineId)) throw notFound(`Pipeline '${pipelineId}' not found`);
      const run = data.pipelineRuns.get(pipelineId)?.find((candidate) => candidate.run_id === runId);
      if (run === undefined) throw notFound(`Pipeline run '${runId}' not found`);
      const parts = runLogLines(run).map((line) => `${JSON.stringify(line)}\n`);
      return { stream: { contentType: "application/x-ndjson", parts } };
    },
  },
];

/** `prompt` (a string), `max_tokens` (1 to 64, default 8), `stream` (default false); else a 422 per bad value. */
function readGenerateBody(body: JsonObject): { prompt: string; maxTokens: number; stream: boolean } {
  const issues: ValidationIssue[] = [];
  const { prompt, max_tokens: maxTokens = DEFAULT_TOKENS, stream = false } = body;
  if (prompt === undefined) issues.push({ type: "missing", loc: ["body", "prompt"], msg: "Field required", input: body });
  else if (typeof prompt !== "string")
    issues.push({ type: "string_type", loc: ["body", "prompt"], msg: "Input should be a valid string", input: prompt });
  if (typeof maxTokens !== "number" || !Number.isInteger(maxTokens) || maxTokens < 1 || maxTokens > MAX_TOKENS) {
    const msg = `Input should be an integer from 1 to ${MAX_TOKENS}`;
    issues.push({ type: "int_range", loc: ["body", "max_tokens"], msg, input: maxTokens });
  }
  if (typeof stream !== "boolean")
    issues.push({ type: "bool_type", loc: ["body", "stream"], msg: "Input should be a valid boolean", input: stream });
  assertNoIssues(issues);
  return { prompt: prompt as string, maxTokens: maxTokens as number, stream: stream as boolean };
}

/** `count` words picked by a hash of the model and prompt: the same request, the same tokens. */
export function generateTokens(model: string, prompt: string, count: number): string[] {
  const tokens: string[] = [];
  for (let block = 0; tokens.length < count; block++) {
    for (const byte of digest(`${model}\n${prompt}\n${block}`)) {
      if (tokens.length === count) break;
      const word = VOCABULARY[byte % VOCABULARY.length]!;
      tokens.push(tokens.length === 0 ? word : ` ${word}`);
    }
  }
  return tokens;
}

/** An Airflow-like task log: what a run has done so far, by its state, a line per step. */
export function runLogLines(run: PipelineRunRecord): Array<{ timestamp: string; level: string; task: string; message: string }> {
  const start = Date.parse(run.start_date ?? run.logical_date);
  const line = (seconds: number, level: string, task: string, message: string) => ({
    timestamp: isoDate(start + seconds * 1000),
    level,
    task,
    message,
  });
  const lines = [line(0, "INFO", "scheduler", `Run ${run.run_id} of ${run.pipeline_id} queued`)];
  if (run.state === "queued") return lines;
  lines.push(line(5, "INFO", "extract", "Reading yesterday's partition"), line(42, "INFO", "train", "Training started"));
  if (run.state === "running") return lines;
  if (run.state === "failed") return [...lines, line(97, "ERROR", "train", "Task failed: out of memory on worker-2")];
  return [...lines, line(310, "INFO", "evaluate", "Holdout accuracy 0.91"), line(330, "INFO", "scheduler", "Run succeeded")];
}

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}
