import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { Resilience } from "../../src/upstream/create-resilience.js";
import { createAbortSource } from "../../src/upstream/settle-by-signal.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { createGate } from "../helpers/gate.js";
import { query } from "../helpers/graphql.js";
import { sendJson, startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";

// Issue 26, the pass-through path (predict): a write's answer is parsed without the shared-answer
// memo, an answer without Content-Encoding is kept without another await, a free concurrency slot
// is taken at once, and the metrics count each call from the call's own promise. Each must answer
// exactly as before, errors included.

let upstream: TestUpstream;
let trestle: Trestle;
let closedUrl: string;

const schema = (url: string, dead: string) => /* GraphQL */ `
  extend schema @upstream(name: "ml", baseUrl: "${url}", naming: SNAKE_CASE)
  extend schema @upstream(name: "gone", baseUrl: "${dead}", retry: { attempts: 0 })
  type Query {
    model(id: ID!): Prediction @rest(upstream: "ml", path: "/models/{args.id}")
  }
  type Mutation {
    predict(input: PredictInput!): Prediction @rest(upstream: "ml", method: POST, path: "/predict", body: "{args.input}")
    badJson(input: PredictInput!): Prediction @rest(upstream: "ml", method: POST, path: "/bad-json", body: "{args.input}")
    notJson(input: PredictInput!): Prediction @rest(upstream: "ml", method: POST, path: "/not-json", body: "{args.input}")
    zipped(input: PredictInput!): Prediction @rest(upstream: "ml", method: POST, path: "/zipped", body: "{args.input}")
    odd(input: PredictInput!): Prediction @rest(upstream: "ml", method: POST, path: "/odd-encoding", body: "{args.input}")
    unreachable(input: PredictInput!): Prediction @rest(upstream: "gone", method: POST, path: "/predict", body: "{args.input}")
  }
  input PredictInput {
    modelName: String
    text: String!
  }
  type Prediction {
    modelName: String!
    label: String!
    score: Float
  }
`;

beforeAll(async () => {
  let calls = 0;
  upstream = await startTestUpstream((req, res) => {
    const path = req.url.split("?")[0]!;
    const input = req.body === "" ? {} : (JSON.parse(req.body) as { model_name?: string; text?: string });
    // Each answer names its call: two identical writes must each get their own.
    const answer = { model_name: input.model_name ?? "default", label: `${input.text ?? req.url}#${++calls}`, score: -0 };
    switch (path) {
      case "/bad-json":
        return res.writeHead(200, { "content-type": "application/json" }).end('{"model_name": "x", ');
      case "/not-json":
        return res.writeHead(200, { "content-type": "text/html" }).end("<html>busy</html>");
      case "/zipped":
        return res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" }).end(gzipSync(JSON.stringify(answer)));
      case "/odd-encoding":
        return res.writeHead(200, { "content-type": "application/json", "content-encoding": "identity" }).end(JSON.stringify(answer));
      default:
        return sendJson(res, 200, answer);
    }
  });
  // A port nothing listens on: a closed upstream's calls fail with a code the metrics report.
  const spare = await startTestUpstream(() => undefined);
  closedUrl = spare.url;
  await spare.close();
  trestle = await createTestTrestle(schema(upstream.url, closedUrl));
});

afterAll(async () => {
  await trestle.close();
  await upstream.close();
});

const predictTwice = /* GraphQL */ `
  mutation ($input: PredictInput!) {
    first: predict(input: $input) {
      modelName
      label
      score
    }
    second: predict(input: $input) {
      modelName
      label
      score
    }
  }
`;

describe("predict path: a write's answer, parsed without the shared-answer memo", () => {
  it("PP1: two identical writes in one operation each get their own answer, in order, unicode and -0 as JSON has them", async () => {
    upstream.requests.length = 0;
    for (const text of ["plain", 'ünïcode ✓ \u2028 "quoted" \\ slash', "😀".repeat(3)]) {
      const result = await query(trestle, predictTwice, { input: { modelName: "m1", text } });
      expect(result.errors).toBeUndefined();
      const [first, second] = [result.data?.["first"], result.data?.["second"]] as Array<{ label: string; score: number }>;
      expect(first).toEqual({ modelName: "m1", label: expect.stringMatching(new RegExp(`^${escape(text)}#\\d+$`)), score: 0 });
      expect(second!.label).not.toBe(first!.label);
    }
    // Mutations run in order: every call was sent, none shared.
    expect(upstream.requests.filter((request) => request.url === "/predict")).toHaveLength(6);
  });

  it("PP2: a write answered with malformed JSON or another media type is UPSTREAM_BAD_RESPONSE at its path; the next write is served", async () => {
    for (const [field, message] of [
      ["badJson", 'Upstream "ml" answered with malformed JSON.'],
      ["notJson", 'Upstream "ml" answered with text/html, not JSON.'],
    ] as const) {
      const result = await query(
        trestle,
        `mutation { ${field}(input: { text: "x" }) { label } ok: predict(input: { text: "after" }) { label } }`,
      );
      expect(result.errors).toHaveLength(1);
      expect(result.errors?.[0]).toMatchObject({ message, path: [field], extensions: { code: "UPSTREAM_BAD_RESPONSE" } });
      expect(result.data?.[field]).toBeNull();
      expect((result.data?.["ok"] as { label: string }).label).toMatch(/^after#\d+$/);
    }
  });

  it("PP3: a gzip answer is still decoded, `identity` kept as read, and a read still parsed once for every field that shares it", async () => {
    const zipped = await query(trestle, `mutation { zipped(input: { text: "z" }) { label } odd(input: { text: "o" }) { label } }`);
    expect(zipped.errors).toBeUndefined();
    expect((zipped.data?.["zipped"] as { label: string }).label).toMatch(/^z#\d+$/);
    expect((zipped.data?.["odd"] as { label: string }).label).toMatch(/^o#\d+$/);
    upstream.requests.length = 0;
    const read = await query(trestle, `{ a: model(id: "7") { label } b: model(id: "7") { modelName label } }`);
    expect(read.errors).toBeUndefined();
    expect(read.data?.["a"]).toEqual({ label: (read.data?.["b"] as { label: string }).label });
    expect(upstream.requests).toHaveLength(1);
  });
});

describe("predict path: metrics and concurrency slots", () => {
  it("PP4: /metrics counts each call by its status, or by its error code when no answer came; the next call is served and counted", async () => {
    const before = await upstreamCalls(trestle);
    const failed = await query(trestle, `mutation { unreachable(input: { text: "x" }) { label } }`);
    expect(failed.errors?.[0]?.extensions?.["code"]).toBe("UPSTREAM_UNAVAILABLE");
    const served = await query(trestle, `mutation { predict(input: { text: "counted" }) { label } }`);
    expect(served.errors).toBeUndefined();
    const after = await upstreamCalls(trestle);
    expect(after.get('upstream="gone",method="POST",outcome="UPSTREAM_UNAVAILABLE"')).toBe(
      (before.get('upstream="gone",method="POST",outcome="UPSTREAM_UNAVAILABLE"') ?? 0) + 1,
    );
    expect(after.get('upstream="ml",method="POST",outcome="200"')).toBe((before.get('upstream="ml",method="POST",outcome="200"') ?? 0) + 1);
  });

  it("PP5: a free slot is taken at once, a full one queues, a full queue is UPSTREAM_OVERLOADED; freed slots serve the next call", async () => {
    const resilience = new Resilience("ml", {
      retries: 0,
      backoffMs: 1,
      maxRetryAfterMs: 1000,
      breakerFailures: 0,
      breakerResetMs: 1000,
      maxConcurrency: 1,
      maxQueue: 1,
    });
    const gate = createGate();
    const order: string[] = [];
    const held = resilience.run("POST", async () => {
      order.push("first");
      await gate.opened;
      return { status: 200, headers: {} };
    });
    const queued = resilience.run("POST", async () => (order.push("queued"), { status: 201, headers: {} }));
    const refused = await resilience
      .run("POST", async () => ({ status: 202, headers: {} }))
      .catch((error: { code?: string; message: string }) => error);
    expect(refused).toMatchObject({ code: "UPSTREAM_OVERLOADED" });
    expect((refused as Error).message).toContain("1 requests in flight and 1 waiting");
    expect(order).toEqual(["first"]);
    gate.open();
    expect([(await held).status, (await queued).status]).toEqual([200, 201]);
    expect(order).toEqual(["first", "queued"]);
    // Every slot free again: the next call runs at once, and so does one after it.
    expect((await resilience.run("POST", async () => ({ status: 203, headers: {} }))).status).toBe(203);
    expect((await resilience.run("GET", async () => ({ status: 204, headers: {} }))).status).toBe(204);
  });
});

describe("predict path: an attempt's abort source lets go of its listeners once the attempt is over", () => {
  it("PP6: before release an abort runs every listener once; after release it runs none, and late listeners run at once only if aborted", () => {
    const ran: string[] = [];
    const live = createAbortSource();
    live.onAbort(() => ran.push("a"));
    live.addEventListener("abort", () => ran.push("b"));
    live.abort();
    live.abort();
    expect(ran).toEqual(["a", "b"]);
    const done = createAbortSource();
    done.onAbort(() => ran.push("late-a"));
    done.addEventListener("abort", () => ran.push("late-b"));
    done.release();
    done.abort();
    expect(ran).toEqual(["a", "b"]);
    expect(done.aborted).toBe(true);
    done.onAbort(() => ran.push("after"));
    expect(ran).toEqual(["a", "b", "after"]);
  });

  it("PP7: a call still times out at its deadline (the source is released only after), and the next call is served", async () => {
    const resilience = new Resilience(
      "ml",
      { retries: 0, backoffMs: 1, maxRetryAfterMs: 1000, breakerFailures: 0, breakerResetMs: 1000, maxConcurrency: 2, maxQueue: 2 },
      { timeoutMs: 50 },
    );
    const hung = await resilience
      .run(
        "POST",
        (slot) =>
          new Promise<{ status: number; headers: Record<string, string> }>((_, reject) =>
            slot.onAbort(() => reject(new Error(`aborted, timed out: ${slot.timedOut}`))),
          ),
      )
      .catch((error: Error) => error.message);
    expect(hung).toBe("aborted, timed out: true");
    expect((await resilience.run("POST", async () => ({ status: 200, headers: {} }))).status).toBe(200);
  });
});

/** trestle_upstream_requests_total by its labels, from /metrics. */
async function upstreamCalls(instance: Trestle): Promise<Map<string, number>> {
  const text = await (await instance.fetch(new Request("http://trestle.test/metrics"))).text();
  const counts = new Map<string, number>();
  for (const match of text.matchAll(/^trestle_upstream_requests_total\{([^}]*)\} (\d+)$/gm)) counts.set(match[1]!, Number(match[2]));
  return counts;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
