import { buildOperation, pathParam } from "./openapi-operation.js";
import { nullable, object, ref } from "./openapi-schemas.js";
import type { PathItemObject, SchemaObject } from "./openapi-types.js";

const string: SchemaObject = { type: "string" };
const integer: SchemaObject = { type: "integer" };

/** The streams' models (routes-streams.ts), as pydantic would describe them. */
export const streamSchemas: Record<string, SchemaObject> = {
  GenerateRequest: object(
    "GenerateRequest",
    {
      prompt: string,
      max_tokens: { type: "integer", minimum: 1, maximum: 64, default: 8 },
      stream: { type: "boolean", default: false, description: "Answer server-sent events, one token each, then `data: [DONE]`." },
    },
    ["prompt"],
  ),
  Token: object("Token", { content: string }, []),
  GenerateChunkChoice: object("GenerateChunkChoice", { index: integer, delta: ref("Token"), finish_reason: nullable(string) }),
  GenerateChunk: object("GenerateChunk", {
    id: string,
    object: string,
    model: string,
    choices: { type: "array", items: ref("GenerateChunkChoice") },
  }),
  GenerateMessage: object("GenerateMessage", { role: string, content: string }),
  GenerateChoice: object("GenerateChoice", { index: integer, message: ref("GenerateMessage"), finish_reason: string }),
  GenerateUsage: object("GenerateUsage", { prompt_tokens: integer, completion_tokens: integer }),
  GenerateResponse: object("GenerateResponse", {
    id: string,
    object: string,
    model: string,
    choices: { type: "array", items: ref("GenerateChoice") },
    usage: ref("GenerateUsage"),
  }),
  LogLine: object("LogLine", { timestamp: { type: "string", format: "date-time" }, level: string, task: string, message: string }),
};

/** The two streaming operations, with the media types they answer. */
export function streamPaths(): Record<string, PathItemObject> {
  const generate = buildOperation("post", "/models/{name}/generate", "inference", {
    fn: "generate",
    description: 'OpenAI-style text generation. With `"stream": true` the answer is `text/event-stream`.',
    params: [pathParam("name")],
    body: "GenerateRequest",
    ok: [200, ref("GenerateResponse")],
    notFound: true,
  });
  generate.responses["200"]!.content!["text/event-stream"] = { schema: ref("GenerateChunk") };
  const logsPath = "/pipelines/{pipeline_id}/runs/{run_id}/logs";
  const logs = buildOperation("get", logsPath, "pipelines", {
    fn: "stream_run_logs",
    description: "The run's log so far, one JSON object per line.",
    params: [pathParam("pipeline_id"), pathParam("run_id")],
    ok: [200],
    notFound: true,
  });
  logs.responses["200"] = { description: "Successful Response", content: { "application/x-ndjson": { schema: ref("LogLine") } } };
  return { "/models/{name}/generate": { post: generate }, [logsPath]: { get: logs } };
}
