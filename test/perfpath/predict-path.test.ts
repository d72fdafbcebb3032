import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { query } from "../helpers/graphql.js";
import { startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";

// Issue 26, the pass-through path (perfpath): work done once per field instead of once per call
// (input types of `{args.…}` variables, snake_case field names, the origin check of a literal
// path, the retry wrapper of a call that can never be retried) must send exactly what it did.

const predict = /* GraphQL */ `
  mutation ($input: PredictInput!) {
    predict(input: $input) {
      modelName
      label
    }
  }
`;

describe("perfpath: the predict path sends the same requests with its per-field work done once", () => {
  let upstream: TestUpstream;
  let trestle: Trestle;
  beforeAll(async () => {
    upstream = await startTestUpstream((req, res) => {
      if (req.url.startsWith("/flaky")) {
        res.writeHead(503, { "content-type": "application/json" }).end('{"detail":"busy"}');
        return;
      }
      if (req.method === "GET") {
        res
          .writeHead(200, { "content-type": "application/json" })
          .end(JSON.stringify({ model_name: decodeURIComponent(req.url), label: "x" }));
        return;
      }
      const input = JSON.parse(req.body) as { model_name?: string; text: string };
      res
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify({ model_name: input.model_name ?? "default", label: input.text.length > 3 ? "long" : "short" }));
    });
    trestle = await createTestTrestle(/* GraphQL */ `
        extend schema @upstream(name: "ml", baseUrl: "${upstream.url}", naming: SNAKE_CASE, retry: { attempts: 2, backoffMs: 1 })
        type Query {
          model(id: ID!): Prediction @rest(path: "/models/{args.id}")
          flakyRead: Prediction @rest(path: "/flaky")
        }
        type Mutation {
          predict(input: PredictInput!): Prediction @rest(method: POST, path: "/predict", body: "{args.input}")
          flakyWrite(input: PredictInput!): Prediction @rest(method: POST, path: "/flaky", body: "{args.input}")
        }
        input PredictInput {
          modelName: String
          text: String!
          options: PredictOptions
          history: [PredictOptions!]
        }
        input PredictOptions {
          maxTokens: Int
          topK: Int
        }
        type Prediction {
          modelName: String!
          label: String!
        }
      `);
  });
  afterAll(async () => {
    await trestle.close();
    await upstream.close();
  });

  it("perfpath-1: every call's body is the input in snake_case, nested objects and lists included, whatever ran before", async () => {
    const inputs = [
      { modelName: "m1", text: "hello", options: { maxTokens: 5, topK: 2 }, history: [{ maxTokens: 1 }, { topK: 3 }] },
      { text: "hi" },
      { modelName: "ünïcode ✓", text: 'quote " and \\ backslash', options: { maxTokens: null }, history: [] },
      { modelName: "m1", text: "hello", options: { maxTokens: 5, topK: 2 }, history: [{ maxTokens: 1 }, { topK: 3 }] },
    ];
    const sent = [
      { model_name: "m1", text: "hello", options: { max_tokens: 5, top_k: 2 }, history: [{ max_tokens: 1 }, { top_k: 3 }] },
      { text: "hi" },
      { model_name: "ünïcode ✓", text: 'quote " and \\ backslash', options: { max_tokens: null }, history: [] },
      { model_name: "m1", text: "hello", options: { max_tokens: 5, top_k: 2 }, history: [{ max_tokens: 1 }, { top_k: 3 }] },
    ];
    upstream.requests.length = 0;
    for (const [index, input] of inputs.entries()) {
      const result = await query(trestle, predict, { input });
      expect(result.errors).toBeUndefined();
      expect(result.data).toEqual({
        predict: { modelName: sent[index]!.model_name ?? "default", label: input.text.length > 3 ? "long" : "short" },
      });
    }
    expect(upstream.requests.map((request) => [request.method, request.url, JSON.parse(request.body)])).toEqual(
      sent.map((body) => ["POST", "/predict", body]),
    );
  });

  it("perfpath-2: an input that does not coerce (an unknown field, a wrong type, no text) is refused before sending; the next user is served", async () => {
    upstream.requests.length = 0;
    for (const input of [{ text: "a", unknownKey: 1 }, { text: 42, options: { maxTokens: "many" } }, { modelName: "m" }, null]) {
      const result = await query(trestle, predict, { input });
      expect(result.status).toBe(400);
      expect(result.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
    }
    expect(upstream.requests).toHaveLength(0);
    const served = await query(trestle, predict, { input: { text: "after" } });
    expect(served.data).toEqual({ predict: { modelName: "default", label: "long" } });
  });

  it("perfpath-3: a path with values is checked on every call after a literal one: a traversal or separator stays refused or encoded", async () => {
    await query(trestle, predict, { input: { text: "literal first" } });
    upstream.requests.length = 0;
    for (const id of ["..", "%2e%2e", ".%2E"]) {
      const refused = await query(trestle, `query ($id: ID!) { model(id: $id) { modelName } }`, { id });
      expect(refused.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
      expect(refused.errors?.[0]?.message).toContain("Path variable {args.id} of Query.model cannot be");
    }
    expect(upstream.requests).toHaveLength(0);
    for (const id of ["a/b", "@evil.test", "x?y#z"]) {
      const encoded = await query(trestle, `query ($id: ID!) { model(id: $id) { modelName } }`, { id });
      expect(encoded.data).toEqual({ model: { modelName: `/models/${id}` } });
    }
    expect(upstream.requests.map((request) => request.url)).toEqual(["/models/a%2Fb", "/models/%40evil.test", "/models/x%3Fy%23z"]);
  });

  it("perfpath-4: a POST is sent once however the upstream fails, a GET is retried: the retry wrapper is only skipped where it could never retry", async () => {
    upstream.requests.length = 0;
    const write = await query(trestle, `mutation { flakyWrite(input: { text: "once" }) { label } }`);
    expect(write.errors?.[0]?.extensions?.["code"]).toBe("UPSTREAM_ERROR");
    expect(upstream.requests.filter((request) => request.method === "POST")).toHaveLength(1);
    const read = await query(trestle, `{ flakyRead { label } }`);
    expect(read.errors?.[0]?.extensions?.["code"]).toBe("UPSTREAM_ERROR");
    expect(upstream.requests.filter((request) => request.method === "GET")).toHaveLength(3);
    const served = await query(trestle, predict, { input: { text: "still served" } });
    expect(served.data).toEqual({ predict: { modelName: "default", label: "long" } });
  });
});
