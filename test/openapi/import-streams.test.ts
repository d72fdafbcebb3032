import type { ServerResponse } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { importOpenApi } from "../../src/openapi/import-openapi.js";
import { checkSchemaSources } from "../../src/sdl/check-schema.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { query } from "../helpers/graphql.js";
import { subscribeOverSse } from "../helpers/sse-subscribe.js";
import { startFastApi, type FastApiUpstream } from "../helpers/start-fastapi.js";
import { serveTrestle, type TrestleServer } from "../passthrough/raw-http.js";
import { startTestUpstream, type RecordedRequest, type TestUpstream } from "../helpers/test-upstream.js";
import { block, flat, importAndBuild, openapi31 } from "./build-imported-schema.js";

// Issue 18, point 5 (I18-5): operations that answer a stream become Subscription fields with
// `stream:`; where the request picks between JSON and a stream, the import does not guess.

const logLine = {
  type: "object",
  title: "LogLine",
  required: ["run", "line"],
  properties: { run: { type: "string" }, line: { type: "string" } },
};
const token = { type: "object", required: ["text"], properties: { text: { type: "string" }, index: { type: "integer" } } };

/** A FastAPI app (pydantic v2) as `app.openapi()` writes it: `StreamingResponse`s with `responses` declared. */
const fastApi = {
  openapi: "3.1.0",
  info: { title: "Runner", version: "1.0.0" },
  servers: [{ url: "http://runner.internal" }],
  paths: {
    "/runs/{run_id}/logs": {
      get: {
        summary: "Run Logs",
        operationId: "run_logs_runs__run_id__logs_get",
        parameters: [{ name: "run_id", in: "path", required: true, schema: { type: "string", title: "Run Id" } }],
        responses: {
          "200": {
            description: "Successful Response",
            content: { "application/json": { schema: {} }, "application/x-ndjson": { schema: { $ref: "#/components/schemas/LogLine" } } },
          },
          "422": {
            description: "Validation Error",
            content: { "application/json": { schema: { $ref: "#/components/schemas/HTTPValidationError" } } },
          },
        },
      },
    },
    "/models/{name}/generate": {
      post: {
        summary: "Generate",
        operationId: "generate_models__name__generate_post",
        parameters: [{ name: "name", in: "path", required: true, schema: { type: "string", title: "Name" } }],
        requestBody: { required: true, content: { "application/json": { schema: { $ref: "#/components/schemas/GenerateRequest" } } } },
        responses: {
          "200": { description: "Tokens", content: { "text/event-stream": { schema: { $ref: "#/components/schemas/Token" } } } },
          "422": {
            description: "Validation Error",
            content: { "application/json": { schema: { $ref: "#/components/schemas/HTTPValidationError" } } },
          },
        },
      },
    },
    "/models": {
      get: {
        summary: "List Models",
        operationId: "list_models_models_get",
        responses: {
          "200": { description: "ok", content: { "application/json": { schema: { type: "array", items: { type: "string" } } } } },
        },
      },
    },
  },
  components: {
    schemas: {
      LogLine: logLine,
      Token: token,
      GenerateRequest: {
        type: "object",
        required: ["prompt"],
        properties: { prompt: { type: "string" }, max_tokens: { type: "integer" } },
      },
      ValidationError: { type: "object", properties: { loc: { type: "array", items: { type: "string" } }, msg: { type: "string" } } },
      HTTPValidationError: {
        type: "object",
        properties: { detail: { type: "array", items: { $ref: "#/components/schemas/ValidationError" } } },
      },
    },
  },
};

describe("I18-5: a FastAPI document with streaming endpoints", () => {
  it("imports them as Subscription fields that trestle check accepts, typed from the stream's schema", () => {
    const { sdl, summary } = importAndBuild(fastApi, { upstream: "runner" });
    expect(summary).toMatchObject({ imported: 3, skipped: [] });
    expect(flat(block(sdl, "type Subscription"))).toBe(
      flat(`type Subscription {
        """ Streams application/x-ndjson: one payload per line. """
        runLogs(runId: String!): LogLine @rest(upstream: "runner", path: "/runs/{args.runId}/logs", stream: { format: NDJSON })
        """ Streams text/event-stream: one payload per event. """
        generate(name: String!, input: GenerateRequestInput!): Token
          @rest(upstream: "runner", method: POST, path: "/models/{args.name}/generate", body: "{args.input}", stream: { format: SSE })
      }`),
    );
    expect(block(sdl, "type Query")).toContain("listModels");
    expect(block(sdl, "type LogLine")).toContain("run: String!");
    expect(sdl).not.toContain("type Mutation");
  });

  it("with --prefix, the subscription fields are prefixed like the others", () => {
    const { sdl } = importAndBuild(fastApi, { upstream: "runner", prefix: "runner" });
    expect(block(sdl, "type Subscription")).toMatch(/runnerRunLogs\(runId: String!\): RunnerLogLine/);
  });
});

/** One operation answering `content` with 200, in an otherwise empty document. */
function answering(content: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return openapi31({
    "/events": { post: { operationId: "events", responses: { "200": { description: "ok", content } }, ...extra } },
    "/ok": {
      get: {
        operationId: "ok",
        responses: { "200": { description: "ok", content: { "application/json": { schema: { type: "boolean" } } } } },
      },
    },
  });
}

describe("I18-5: which streams become subscriptions", () => {
  it.each([
    ["application/x-ndjson", "NDJSON"],
    ["application/jsonl", "NDJSON"],
    ["application/x-ndjson; charset=utf-8", "NDJSON"],
    ["Text/Event-Stream", "SSE"],
  ])("%s alone → stream: { format: %s }", (mediaType, format) => {
    const { sdl } = importAndBuild(answering({ [mediaType]: { schema: token } }));
    expect(flat(block(sdl, "type Subscription"))).toContain(
      flat(`events: EventsResponse @rest(upstream: "api", method: POST, path: "/events", stream: { format: ${format} })`),
    );
    expect(block(sdl, "type EventsResponse")).toContain("text: String!");
  });

  it("OpenAPI 3.2 itemSchema: an SSE event's data contentSchema types the payload", () => {
    const event = {
      type: "object",
      properties: {
        event: { type: "string" },
        data: { type: "string", contentMediaType: "application/json", contentSchema: { $ref: "#/components/schemas/Token" } },
      },
    };
    const document = { ...answering({ "text/event-stream": { itemSchema: event } }), components: { schemas: { Token: token } } };
    const { sdl } = importAndBuild(document);
    expect(block(sdl, "type Subscription")).toContain("events: Token");
  });

  it("OpenAPI 3.2 itemSchema on NDJSON types each line; a list schema on NDJSON is read as its items", () => {
    expect(block(importAndBuild(answering({ "application/x-ndjson": { itemSchema: logLine } })).sdl, "type Subscription")).toContain(
      "events: EventsResponse",
    );
    const listed = importAndBuild(answering({ "application/jsonl": { schema: { type: "array", items: logLine } } })).sdl;
    expect(block(listed, "type Subscription")).toContain("events: EventsResponse");
    expect(block(listed, "type EventsResponse")).toContain("line: String!");
  });

  it("a stream the document gives no item schema for (or only `type: string`) is JSON, and the description says so", () => {
    for (const content of [{ "text/event-stream": {} }, { "application/x-ndjson": { schema: { type: "string" } } }]) {
      const { sdl } = importAndBuild(answering(content));
      expect(block(sdl, "type Subscription")).toContain("events: JSON");
      expect(flat(sdl)).toMatch(/The document gives no schema for the stream's items: each (event's data|line) is passed on as JSON\./);
    }
  });

  it("Swagger 2.0 `produces: [text/event-stream]` is a stream too", () => {
    const swagger = {
      swagger: "2.0",
      info: { title: "s", version: "1" },
      host: "s.example",
      paths: {
        "/tail": {
          get: { operationId: "tail", produces: ["text/event-stream"], responses: { "200": { description: "ok", schema: token } } },
        },
        "/ok": { get: { operationId: "ok", responses: { "200": { description: "ok", schema: { type: "boolean" } } } } },
      },
    };
    expect(block(importAndBuild(swagger).sdl, "type Subscription")).toContain("stream: { format: SSE }");
  });

  it("an OpenAI-style operation (a JSON answer, or a stream when the body says stream: true) stays a mutation, with a comment", () => {
    const chat = {
      requestBody: {
        required: true,
        content: {
          "application/json": { schema: { type: "object", properties: { prompt: { type: "string" }, stream: { type: "boolean" } } } },
        },
      },
    };
    const json = { type: "object", properties: { id: { type: "string" } } };
    const { sdl } = importAndBuild(answering({ "application/json": { schema: json }, "text/event-stream": { schema: token } }, chat));
    expect(sdl).not.toContain("type Subscription");
    expect(block(sdl, "type Mutation")).toContain(
      "  # also streams text/event-stream when the request asks: a Subscription field with stream: { format: SSE } can serve that (docs/openapi-import.md)\n  events(input: EventsInput!): EventsResponse",
    );
  });

  it.each([
    [
      { "audio/mpeg": { schema: { type: "string", format: "binary" } }, "text/event-stream": { schema: token } },
      "answers audio/mpeg or a stream (text/event-stream), as the request chooses; neither is JSON to type a field with",
    ],
    [
      { "application/json-seq": { schema: token } },
      "answers application/json-seq (RFC 7464 records), which Trestle does not read as a stream",
    ],
  ])("skips %j, saying why, and imports the rest", (content, reason) => {
    const { sdl, summary } = importAndBuild(answering(content));
    expect(summary.skipped).toEqual([{ method: "POST", path: "/events", reason }]);
    expect(summary.imported).toBe(1);
    expect(sdl).toContain(`# - POST /events (events): ${reason}`);
  });

  it("a stream on an error status only is no stream: the success answer types the field", () => {
    const document = openapi31({
      "/gen": {
        post: {
          operationId: "gen",
          responses: {
            "200": { description: "ok", content: { "application/json": { schema: token } } },
            "422": { description: "bad", content: { "text/event-stream": { schema: { type: "object" } } } },
          },
        },
      },
    });
    const { sdl } = importAndBuild(document);
    expect(sdl).not.toContain("type Subscription");
    expect(block(sdl, "type Mutation")).toContain("gen: GenResponse");
  });
});

describe("I18-5: the imported subscription served against a streaming upstream", () => {
  let upstream: TestUpstream;
  let trestle: Trestle;
  const answer = (req: RecordedRequest, res: ServerResponse) => {
    if (req.url === "/runs/r1/logs") {
      res.writeHead(200, { "content-type": "application/x-ndjson" });
      res.end(['{"run":"r1","line":"step 0"}', '{"run":"r1","line":"step 1"}', '{"run":"r1","line":"done"}'].join("\n") + "\n");
    } else if (req.url === "/models/m/generate") {
      res.writeHead(200, { "content-type": "text/event-stream" });
      const { prompt } = JSON.parse(req.body) as { prompt: string };
      res.end([...prompt.split(" ").map((text, index) => `data: ${JSON.stringify({ text, index })}\n\n`)].join(""));
    } else res.writeHead(404, { "content-type": "application/json" }).end('{"detail":"Not Found"}');
  };

  beforeAll(async () => {
    upstream = await startTestUpstream(answer);
    const { sdl } = importOpenApi(fastApi, { upstream: "runner", baseUrl: upstream.url });
    trestle = await createTestTrestle(sdl);
  });
  afterAll(async () => {
    await trestle?.close();
    await upstream?.close();
  });

  /** The `next` payloads of a GraphQL-over-SSE answer, in order, until `complete`. */
  async function subscribe(document: string): Promise<unknown[]> {
    const response = await trestle.fetch(
      new Request("http://trestle.test/graphql", {
        method: "POST",
        headers: { "content-type": "application/json", accept: "text/event-stream" },
        body: JSON.stringify({ query: document }),
      }),
    );
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const text = await response.text();
    return text
      .split("\n\n")
      .filter((event) => /^event: next$/m.test(event))
      .map((event) => JSON.parse(event.replace(/^[\s\S]*?^data: /m, "")) as unknown);
  }

  it("NDJSON log lines arrive as payloads, in order, mapped to the imported type", async () => {
    expect(await subscribe('subscription { runLogs(runId: "r1") { run line } }')).toEqual([
      { data: { runLogs: { run: "r1", line: "step 0" } } },
      { data: { runLogs: { run: "r1", line: "step 1" } } },
      { data: { runLogs: { run: "r1", line: "done" } } },
    ]);
  });

  it("SSE tokens of a POST with the input as body arrive as payloads", async () => {
    expect(await subscribe('subscription { generate(name: "m", input: { prompt: "a b" }) { text index } }')).toEqual([
      { data: { generate: { text: "a", index: 0 } } },
      { data: { generate: { text: "b", index: 1 } } },
    ]);
    expect(JSON.parse(upstream.requests.at(-1)!.body)).toEqual({ prompt: "a b" });
  });
});

describe("I18-5: the FastAPI app's StreamingResponse, imported over HTTP, checked and served", () => {
  let app: FastApiUpstream;
  let trestle: Trestle;
  let server: TrestleServer;
  let sdl: string;

  beforeAll(async () => {
    app = await startFastApi();
    sdl = importOpenApi(await (await fetch(`${app.url}/openapi.json`)).json(), { upstream: "ml", baseUrl: app.url }).sdl;
    trestle = await createTestTrestle(sdl);
    server = await serveTrestle(trestle);
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await trestle?.close();
    await app?.close();
  });

  it("imports /runs/{run_id}/logs as an NDJSON subscription typed from its schema, and trestle check finds nothing", () => {
    expect(flat(block(sdl, "type Subscription"))).toContain(
      flat('runLogs(runId: String! """1 ≤ steps ≤ 20.""" steps: Int = 3 @constraint(min: 1, max: 20)): RunLogsResponse'),
    );
    expect(flat(sdl)).toContain(
      flat('@rest(upstream: "ml" path: "/runs/{args.runId}/logs?steps={args.steps}" stream: { format: NDJSON })'),
    );
    expect(block(sdl, "type RunLogsResponse")).toBe("type RunLogsResponse {\n  run: String!\n  step: Int!\n  line: String!\n}");
    expect(checkSchemaSources([{ name: "ml.graphql", body: sdl }], {}).filter((d) => d.severity === "error")).toEqual([]);
  });

  it("streams a triggered run's log lines as payloads, in order", async () => {
    const triggered = await query(trestle, 'mutation { triggerRun(name: "fraud-xgb") { id } }');
    const id = (triggered.data?.["triggerRun"] as { id: string }).id;
    const subscription = await subscribeOverSse(
      `${server.url}/graphql`,
      "subscription ($id: String!) { runLogs(runId: $id, steps: 4) { run step line } }",
      { id },
    );
    expect(await subscription.rest()).toEqual([0, 1, 2, 3].map((step) => ({ data: { runLogs: { run: id, step, line: `step ${step}` } } })));
  });

  it("an unknown run is one error payload with FastAPI's 404, then the end; a bad steps value never reaches the app", async () => {
    const unknown = await subscribeOverSse(`${server.url}/graphql`, 'subscription { runLogs(runId: "nope") { line } }');
    const results = await unknown.rest();
    expect(results).toHaveLength(1);
    expect(results[0]?.errors?.[0]?.extensions).toMatchObject({ code: "UPSTREAM_ERROR", status: 404, upstream: "ml" });
    const tooMany = await subscribeOverSse(`${server.url}/graphql`, 'subscription { runLogs(runId: "1", steps: 500) { line } }');
    expect((await tooMany.rest())[0]?.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
    const triggered = await query(trestle, 'mutation { triggerRun(name: "churn-rf") { id } }');
    const id = (triggered.data?.["triggerRun"] as { id: string }).id;
    const again = await subscribeOverSse(`${server.url}/graphql`, `subscription { runLogs(runId: "${id}", steps: 1) { line } }`);
    expect(await again.rest()).toEqual([{ data: { runLogs: { line: "step 0" } } }]);
  });
});
