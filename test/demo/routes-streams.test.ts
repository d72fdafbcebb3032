import { describe, expect, it } from "vitest";
import { startDemoUpstream } from "../../src/demo/demo-upstream.js";
import { until } from "../helpers/gate.js";
import { record, useDemoUpstream } from "./demo-client.js";

// Issue 18, point 6 (I18-6): the demo upstream's streams, on their own (the GraphQL side is in
// test/demo/demo-subscriptions.test.ts). No pause between parts here: order and content only.
const demo = useDemoUpstream({ streamDelayMs: 0 });

/** The `data:` values of an SSE body, in order. */
function dataOf(text: string): string[] {
  return text
    .split("\n\n")
    .filter((event) => event !== "")
    .map((event) => event.replace(/^data: /, ""));
}

async function generate(body: unknown, model = "sentiment-bert"): Promise<Response> {
  return fetch(`${demo.upstream.url}/models/${model}/generate`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

describe("I18-6: POST /models/{name}/generate", () => {
  it('streams OpenAI-style chunks, one token each, then data: [DONE], with "stream": true', async () => {
    const response = await generate({ prompt: "why did the fraud score rise?", stream: true, max_tokens: 5 });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    expect(response.headers.get("content-length")).toBeNull();
    const data = dataOf(await response.text());
    expect(data).toHaveLength(6);
    expect(data.at(-1)).toBe("[DONE]");
    const chunks = data.slice(0, -1).map((text) => record(JSON.parse(text)));
    for (const [index, chunk] of chunks.entries()) {
      expect(chunk).toMatchObject({
        object: "chat.completion.chunk",
        model: "sentiment-bert",
        choices: [{ index: 0, delta: { content: expect.any(String) }, finish_reason: index === 4 ? "stop" : null }],
      });
    }
  });

  it("answers the same tokens for the same prompt, other tokens for another, and the same text whole without stream", async () => {
    const tokens = async (prompt: string) =>
      dataOf(await (await generate({ prompt, stream: true })).text())
        .slice(0, -1)
        .map((text) => (JSON.parse(text) as { choices: Array<{ delta: { content: string } }> }).choices[0]!.delta.content);
    const first = await tokens("hello");
    expect(first).toHaveLength(8);
    expect(await tokens("hello")).toEqual(first);
    expect(await tokens("goodbye")).not.toEqual(first);
    const whole = await generate({ prompt: "hello" });
    expect(whole.headers.get("content-type")).toBe("application/json");
    expect(await whole.json()).toMatchObject({
      object: "chat.completion",
      choices: [{ message: { role: "assistant", content: first.join("") }, finish_reason: "stop" }],
      usage: { prompt_tokens: 1, completion_tokens: 8 },
    });
  });

  it.each([
    [{}, [{ type: "missing", loc: ["body", "prompt"] }]],
    [{ prompt: 7 }, [{ type: "string_type", loc: ["body", "prompt"], input: 7 }]],
    [{ prompt: "x", max_tokens: 0 }, [{ type: "int_range", loc: ["body", "max_tokens"], input: 0 }]],
    [{ prompt: "x", max_tokens: 65 }, [{ type: "int_range", loc: ["body", "max_tokens"], input: 65 }]],
    [{ prompt: "x", max_tokens: 2.5 }, [{ type: "int_range", loc: ["body", "max_tokens"], input: 2.5 }]],
    [{ prompt: "x", stream: "yes" }, [{ type: "bool_type", loc: ["body", "stream"], input: "yes" }]],
    [["prompt"], [{ type: "model_attributes_type", loc: ["body"] }]],
  ])("refuses %j with a 422 naming the bad value, and serves the next request", async (body, detail) => {
    const refused = await generate(body);
    expect(refused.status).toBe(422);
    expect(await refused.json()).toMatchObject({ detail });
    expect((await generate({ prompt: "still here", stream: true, max_tokens: 1 })).status).toBe(200);
  });

  it("answers 404 for a model that does not exist", async () => {
    const response = await generate({ prompt: "x", stream: true }, "no-such-model");
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ detail: "Model 'no-such-model' not found" });
  });
});

describe("I18-6: GET /pipelines/{pipeline_id}/runs/{run_id}/logs", () => {
  const lines = async (path: string) => {
    const response = await fetch(`${demo.upstream.url}${path}`);
    expect(response.headers.get("content-type")).toBe("application/x-ndjson");
    const text = await response.text();
    expect(text.endsWith("\n")).toBe(true);
    return text
      .trimEnd()
      .split("\n")
      .map((line) => record(JSON.parse(line)));
  };

  it("streams a finished run's log as NDJSON, ending with its outcome", async () => {
    const log = await lines("/pipelines/nightly-retrain-fraud/runs/scheduled__2024-06-01T02:00:00Z/logs");
    expect(log.map((line) => line["task"])).toEqual(["scheduler", "extract", "train", "evaluate", "scheduler"]);
    expect(log[0]).toEqual({
      timestamp: "2024-06-01T02:01:00Z",
      level: "INFO",
      task: "scheduler",
      message: "Run scheduled__2024-06-01T02:00:00Z of nightly-retrain-fraud queued",
    });
    expect(log.at(-1)).toMatchObject({ message: "Run succeeded" });
  });

  it("a failed run's log ends with the error; a running one stops at training", async () => {
    const failed = await lines("/pipelines/nightly-retrain-fraud/runs/scheduled__2024-06-03T02:00:00Z/logs");
    expect(failed.at(-1)).toMatchObject({ level: "ERROR", task: "train" });
    const running = await lines("/pipelines/nightly-retrain-fraud/runs/scheduled__2024-06-05T02:00:00Z/logs");
    expect(running.at(-1)).toMatchObject({ message: "Training started" });
  });

  it.each([
    ["/pipelines/no-such/runs/scheduled__2024-06-01T02:00:00Z/logs", "Pipeline 'no-such' not found"],
    ["/pipelines/nightly-retrain-fraud/runs/no-such-run/logs", "Pipeline run 'no-such-run' not found"],
  ])("%s answers 404 with what is missing", async (path, detail) => {
    const response = await fetch(`${demo.upstream.url}${path}`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ detail });
  });
});

describe("I18-6: parts are written one at a time", () => {
  it("the first token arrives while the rest are held back; a client that leaves stops the writing", async () => {
    // A pause no test waits out: the second part is never due while the test runs.
    const slow = await startDemoUpstream({ streamDelayMs: 60_000 });
    try {
      const controller = new AbortController();
      const response = await fetch(`${slow.url}/models/fraud-xgb/generate`, {
        method: "POST",
        body: JSON.stringify({ prompt: "hi", stream: true }),
        signal: controller.signal,
      });
      const first = await response.body!.getReader().read();
      expect(new TextDecoder().decode(first.value)).toMatch(/^data: \{"id":"gen-[0-9a-f]{12}","object":"chat.completion.chunk"/);
      controller.abort();
      await until(() => slow.requests[0]?.abandoned === true, "the demo upstream to see the client leave");
    } finally {
      await slow.close();
    }
  });
});
