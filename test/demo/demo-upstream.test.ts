import { describe, expect, it } from "vitest";
import { startDemoUpstream } from "../../src/demo/demo-upstream.js";
import { demoRoutes } from "../../src/demo/routes.js";
import { record, request, useDemoUpstream } from "./demo-client.js";

const demo = useDemoUpstream();

describe("startDemoUpstream", () => {
  it("listens on an ephemeral port of 127.0.0.1", () => {
    expect(demo.upstream.port).toBeGreaterThan(0);
    expect(demo.upstream.url).toBe(`http://127.0.0.1:${demo.upstream.port}`);
  });

  it("answers /healthz", async () => {
    const answer = await demo.call("/healthz");
    expect(answer).toMatchObject({ status: 200, body: { status: "ok" } });
    expect(answer.headers.get("cache-control")).toBe("no-store");
  });

  it("answers unknown routes with FastAPI's 404", async () => {
    expect(await demo.call("/nope")).toMatchObject({ status: 404, body: { detail: "Not Found" } });
    expect(await demo.call("/models/fraud-xgb/nope")).toMatchObject({ status: 404, body: { detail: "Not Found" } });
  });

  it("answers a known path with another method with 405 and Allow", async () => {
    const answer = await demo.call("/models/fraud-xgb", { method: "PUT" });
    expect(answer).toMatchObject({ status: 405, body: { detail: "Method Not Allowed" } });
    expect(answer.headers.get("allow")).toBe("GET, PATCH, DELETE");
  });

  it("echoes X-Request-Id", async () => {
    const answer = await demo.call("/healthz", { headers: { "x-request-id": "req-42" } });
    expect(answer.headers.get("x-request-id")).toBe("req-42");
  });

  it("waits latencyMs before answering", async () => {
    const slow = await startDemoUpstream({ latencyMs: 60 });
    try {
      const started = performance.now();
      await request(slow, "/healthz");
      expect(performance.now() - started).toBeGreaterThanOrEqual(55);
    } finally {
      await slow.close();
    }
  });

  it("closes with idle keep-alive connections open, and closes twice without complaint", async () => {
    const other = await startDemoUpstream();
    await request(other, "/healthz");
    await other.close();
    await expect(other.close()).resolves.toBeUndefined();
    await expect(fetch(`${other.url}/healthz`)).rejects.toThrow();
  });
});

describe("request log", () => {
  it("records method, url as received, headers and body text, before answering", async () => {
    demo.upstream.resetRequests();
    await demo.call("/users?ids=1,2&ids=3", { headers: { "x-request-id": "abc" } });
    await demo.send("/models:batchGet", { names: ["fraud-xgb"] });
    expect(demo.upstream.requests).toHaveLength(2);
    expect(demo.upstream.requests[0]).toMatchObject({ method: "GET", url: "/users?ids=1,2&ids=3", body: "" });
    expect(demo.upstream.requests[0]?.headers["x-request-id"]).toBe("abc");
    expect(demo.upstream.requests[1]).toMatchObject({ method: "POST", url: "/models:batchGet", body: '{"names":["fraud-xgb"]}' });
  });

  it("is emptied by resetRequests()", async () => {
    await demo.call("/healthz");
    demo.upstream.resetRequests();
    expect(demo.upstream.requests).toEqual([]);
  });
});

describe("instances", () => {
  it("do not share mutations", async () => {
    const other = await startDemoUpstream();
    try {
      expect((await request(other, "/models/spam-fasttext", { method: "DELETE" })).status).toBe(204);
      await request(other, "/pipelines/sentiment-eval/runs", { method: "POST" });
      expect((await request(other, "/models/spam-fasttext")).status).toBe(404);
      expect((await demo.call("/models/spam-fasttext")).status).toBe(200);
      expect(record((await demo.call("/pipelines/sentiment-eval/runs")).body)["total_entries"]).toBe(5);
      expect(other.requests).toHaveLength(3);
    } finally {
      await other.close();
    }
  });
});

describe("request bodies", () => {
  it("answers 400 to invalid JSON", async () => {
    const answer = await demo.call("/models:batchGet", { method: "POST", body: "{names:" });
    expect(answer).toMatchObject({ status: 400, body: { detail: "Invalid JSON" } });
  });

  it("answers 413 to a body over 1 MB, and still records the request", async () => {
    demo.upstream.resetRequests();
    const answer = await demo.call("/models/fraud-xgb/predict", { method: "POST", body: "x".repeat(1024 * 1024 + 1) });
    expect(answer).toMatchObject({ status: 413, body: { detail: "Request body too large" } });
    expect(demo.upstream.requests).toMatchObject([{ method: "POST", url: "/models/fraud-xgb/predict", body: "" }]);
  });

  it("accepts a body of exactly 1 MB", async () => {
    const body = JSON.stringify({ names: ["fraud-xgb"] }).padEnd(1024 * 1024, " ");
    expect((await demo.call("/models:batchGet", { method: "POST", body })).status).toBe(200);
  });
});

describe("GET /openapi.json", () => {
  it("is an OpenAPI 3.1 document with one operation per route", async () => {
    const answer = await demo.call("/openapi.json");
    expect(answer.headers.get("cache-control")).toBe("public, max-age=300");
    const document = record(answer.body);
    expect(document["openapi"]).toBe("3.1.0");
    const paths = record(document["paths"]);
    for (const route of demoRoutes) {
      expect(paths, `${route.method} ${route.path}`).toHaveProperty([route.path, route.method.toLowerCase()]);
    }
    const operations = Object.values(paths).flatMap((item) => Object.keys(record(item)));
    expect(operations).toHaveLength(demoRoutes.length);
  });

  it("is written the way FastAPI writes it", async () => {
    const document = record((await demo.call("/openapi.json")).body);
    const paths = record(document["paths"]);
    const operation = (path: string, verb: string): Record<string, unknown> => record(record(paths[path])[verb]);
    expect(operation("/models/{name}", "get")["operationId"]).toBe("get_model_models__name__get");
    expect(operation("/models:batchGet", "post")["operationId"]).toBe("batch_get_models_models_batchGet_post");
    expect(operation("/models/{name}/predict", "post")).toHaveProperty(["responses", "422"]);
    expect(operation("/models/{name}/predict", "post")).toHaveProperty(["requestBody", "content", "application/json"]);
    expect(operation("/pipelines/{pipeline_id}/runs", "post")).toHaveProperty(["responses", "201"]);
    const schemas = record(record(document["components"])["schemas"]);
    expect(record(record(schemas["Model"])["properties"])["description"]).toMatchObject({ anyOf: [{ type: "string" }, { type: "null" }] });
    expect(schemas).toHaveProperty(["HTTPValidationError", "properties", "detail"]);
    expect(document["servers"]).toEqual([{ url: demo.upstream.url }]);
  });

  it("has an operationId on every operation, each one different", async () => {
    const paths = record(record((await demo.call("/openapi.json")).body)["paths"]);
    const ids = Object.values(paths).flatMap((item) => Object.values(record(item)).map((operation) => record(operation)["operationId"]));
    expect(ids.every((id) => typeof id === "string")).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("resolves every $ref to a component schema", async () => {
    const document = record((await demo.call("/openapi.json")).body);
    const schemas = record(record(document["components"])["schemas"]);
    const refs = [...JSON.stringify(document).matchAll(/"\$ref":"#\/components\/schemas\/(\w+)"/g)].map((match) => match[1] ?? "");
    expect(refs.length).toBeGreaterThan(20);
    for (const name of refs) expect(schemas, name).toHaveProperty([name]);
  });
});
