import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { query } from "../helpers/graphql.js";
import { sse, startStreamingUpstream, type StreamingUpstream } from "../helpers/streaming-upstream.js";
import { errorsOf, openClient, openRaw, run, runOnce, serveWithUpgrade, type WsResult, type WsServed } from "./ws-client.js";

// Streaming Subscription fields (@rest(stream:)) over GraphQL over WebSocket, with the real
// graphql-ws client: the same payloads, budgets, limits and masking as over SSE.
const schema = (url: string) => `
  extend schema @upstream(name: "ml", baseUrl: "${url}", headers: [{ name: "authorization", from: "authorization" }])
  type Query { ping: String @rest(path: "/ping") }
  type Token { content: String meta: Meta }
  type Meta { model: Model }
  type Model { owner: Owner }
  type Owner { name: String }
  type Subscription {
    generate(model: String!, prompt: String!): Token
      @rest(method: POST, path: "/models/{args.model}/generate", body: "{\\"prompt\\": {args.prompt}, \\"stream\\": true}",
            stream: { format: SSE, select: "choices.0.delta", done: "[DONE]" })
  }`;

const generate = (prompt: string) => `subscription { generate(model: "m1", prompt: "${prompt}") { content } }`;
const contentOf = (result: WsResult | undefined) => (result?.data?.["generate"] as { content?: string } | undefined)?.content;

let upstream: StreamingUpstream;
let trestle: Trestle;
let served: WsServed;
beforeAll(async () => {
  upstream = await startStreamingUpstream();
  trestle = await createTestTrestle(schema(upstream.url), { limits: { maxDepth: 3, maxSubscriptions: 25 } });
  served = await serveWithUpgrade(trestle);
});
afterAll(async () => {
  await served?.close();
  await upstream?.close();
});
beforeEach(() => {
  upstream.calls.length = 0;
});
const url = () => `${served.ws}/graphql`;

/** Results of one subscription as they arrive, one at a time. */
function subscribeStepwise(client: ReturnType<typeof openClient>, document: string) {
  const queue: WsResult[] = [];
  const waiting: Array<(result: WsResult | undefined) => void> = [];
  let done = false;
  let error: unknown;
  const push = (result: WsResult | undefined) => {
    const waiter = waiting.shift();
    if (waiter) waiter(result);
    else if (result) queue.push(result);
  };
  const unsubscribe = client.subscribe<Record<string, unknown>, Record<string, unknown>>(
    { query: document },
    {
      next: (result) => push(result),
      error: (cause) => {
        error = cause;
        done = true;
        push(undefined);
      },
      complete: () => {
        done = true;
        push(undefined);
      },
    },
  );
  return {
    next: () =>
      queue.length > 0
        ? Promise.resolve(queue.shift())
        : done
          ? Promise.resolve(undefined)
          : new Promise<WsResult | undefined>((resolve) => waiting.push(resolve)),
    unsubscribe,
    error: () => error,
  };
}

describe("stream fields over WebSocket", () => {
  it("OpenAI-style tokens arrive one message each, the first before the upstream has finished; [DONE] completes", async () => {
    const client = openClient(url(), { connectionParams: { authorization: "Bearer ws-user" } });
    try {
      const subscription = subscribeStepwise(client, generate("Say hi"));
      const call = (await upstream.waitForCalls(1))[0]!;
      expect(call.url).toBe("/models/m1/generate");
      expect(JSON.parse(call.body)).toEqual({ prompt: "Say hi", stream: true });
      expect(call.headers.authorization).toBe("Bearer ws-user");
      call.write(sse.openai("Hel"));
      expect(contentOf(await subscription.next())).toBe("Hel");
      call.write(sse.openai("lo"));
      expect(contentOf(await subscription.next())).toBe("lo");
      call.write(sse.openaiDone);
      expect(await subscription.next()).toBeUndefined();
      expect(subscription.error()).toBeUndefined();
      call.end();
    } finally {
      await client.dispose();
    }
  });

  it("W10: the client's complete aborts the upstream stream at once; the socket keeps serving", async () => {
    const client = openClient(url());
    const keep = subscribeStepwise(client, generate("keep the socket open"));
    try {
      const kept = (await upstream.waitForCalls(1))[0]!;
      const leaving = subscribeStepwise(client, generate("leave"));
      const call = (await upstream.waitForCalls(2))[1]!;
      call.write(sse.openai("first"));
      expect(contentOf(await leaving.next())).toBe("first");
      leaving.unsubscribe();
      await call.closed;
      expect(kept.closedEarly).toBe(false);
      kept.write(sse.openai("still here"));
      expect(contentOf(await keep.next())).toBe("still here");
      kept.end(sse.openaiDone);
    } finally {
      await client.dispose();
    }
  });

  it("W05: an over-deep subscription is refused with the code HTTP gives, and no upstream call", async () => {
    const deep = `subscription { generate(model: "m", prompt: "p") { meta { model { owner { name } } } } }`;
    const overHttp = await query(trestle, deep);
    expect(overHttp.errors?.[0]?.extensions?.["code"]).toBe("MAX_DEPTH_LIMIT");
    const overWs = await runOnce(url(), deep);
    expect(errorsOf(overWs).map((error) => error.extensions?.["code"])).toEqual(["MAX_DEPTH_LIMIT"]);
    expect(upstream.calls).toEqual([]);
  });

  it("W06: an upstream 500 before the first event is one masked error payload with its status, then the end", async () => {
    const outcome = runOnce(url(), generate("fail"));
    const call = (await upstream.waitForCalls(1))[0]!;
    call.head(500, { "content-type": "application/json" });
    call.end(JSON.stringify({ error: "stack trace from gpu-node-3.internal" }));
    const { results, error } = await outcome;
    expect(error).toBeUndefined();
    expect(results).toHaveLength(1);
    expect(errorsOf({ results })[0]?.extensions).toMatchObject({ code: "UPSTREAM_ERROR", status: 500 });
    expect(JSON.stringify(results)).not.toContain("gpu-node-3");
  });

  it("20 concurrent subscriptions on two sockets get their own tokens, no cross-talk", async () => {
    const clients = [openClient(url()), openClient(url())];
    try {
      const outcomes = Array.from({ length: 20 }, (_, i) => run(clients[i % 2]!, generate(`p${i}`)));
      const calls = await upstream.waitForCalls(20);
      for (const call of calls) {
        const prompt = (JSON.parse(call.body) as { prompt: string }).prompt;
        call.write(sse.openai(`${prompt}-a`));
        call.write(sse.openai(`${prompt}-b`));
        call.end(sse.openaiDone);
      }
      const results = await Promise.all(outcomes);
      results.forEach((outcome, i) => expect(outcome.results.map(contentOf), `p${i}`).toEqual([`p${i}-a`, `p${i}-b`]));
    } finally {
      await Promise.all(clients.map((client) => client.dispose()));
    }
  });

  it("SUBSCRIPTION_LIMIT (limits.maxSubscriptions) over WebSocket: the next subscription gets the error, the socket stays", async () => {
    const raw = await openRaw(url());
    raw.send({ type: "connection_init" });
    await raw.next();
    for (let i = 1; i <= 25; i++) raw.send({ id: String(i), type: "subscribe", payload: { query: generate(`hold${i}`) } });
    const calls = await upstream.waitForCalls(25);
    raw.send({ id: "26", type: "subscribe", payload: { query: generate("one too many") } });
    const refused = await raw.next();
    expect(refused).toMatchObject({ id: "26" });
    expect(JSON.stringify(refused)).toContain("SUBSCRIPTION_LIMIT");
    for (const call of calls) call.end(sse.openaiDone);
    raw.socket.close();
    await raw.closed;
  });

  it("W10: trestle.close() closes sockets with open subscriptions (1001) and aborts their upstream streams", async () => {
    const own = await createTestTrestle(schema(upstream.url));
    const host = await serveWithUpgrade(own);
    const client = openClient(`${host.ws}/graphql`);
    const subscription = subscribeStepwise(client, generate("until shutdown"));
    const call = (await upstream.waitForCalls(1))[0]!;
    call.write(sse.openai("one"));
    expect(contentOf(await subscription.next())).toBe("one");
    await host.close();
    await call.closed;
    expect(await subscription.next()).toBeUndefined();
    expect((subscription.error() as { code?: number }).code).toBe(1001);
    await client.dispose();
  });
});
