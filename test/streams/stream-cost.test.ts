import { describe, expect, it } from "vitest";
import type { TrestleServer } from "../passthrough/raw-http.js";
import { useStreamingTrestle } from "../helpers/use-streaming-trestle.js";
import { subscribeOverSse } from "../helpers/sse-subscribe.js";
import { sse, type StreamingUpstream } from "../helpers/streaming-upstream.js";

// S05 held for subscriptions too: the cost rule checked with the request's variables runs
// before a subscription starts (yoga's onSubscribe), not only before queries execute. A
// variable-sized nested list past maxCost is COST_LIMIT before the stream is opened.

const schema = (url: string) => `
  extend schema @upstream(name: "ml", baseUrl: "${url}")
  type Query { ping: String @rest(path: "/ping") }
  type Model { id: ID, owner: Model @rest(path: "/models/{parent.id}") }
  type Token { content: String, models(first: Int = 2): [Model] @rest(path: "/models?first={args.first}") }
  type Subscription {
    generate(prompt: String!): Token
      @rest(method: POST, path: "/generate", body: "{\\"prompt\\": {args.prompt}}", stream: { format: SSE, done: "[DONE]" })
  }`;

describe("S05: the per-request cost check on subscriptions", () => {
  let upstream: StreamingUpstream;
  let served: TrestleServer;
  const url = () => `http://127.0.0.1:${served.port}/graphql`;
  const document = `subscription ($n: Int = 2) { generate(prompt: "p") { content models(first: $n) { owner { id } } } }`;

  // Model listings are answered at once (empty); the stream is the test's to write.
  useStreamingTrestle(
    schema,
    (world) => ({ upstream, served } = world),
    { limits: { maxCost: 30 } },
    (call) => {
      if (!call.url.startsWith("/models")) return;
      call.head(200, { "content-type": "application/json", "cache-control": "no-store" });
      call.end("[]");
    },
  );

  it("S05: a variable that makes a subscription's nested list cost past maxCost is COST_LIMIT, and no stream is opened", async () => {
    const calls = upstream.calls.length;
    const refused = await subscribeOverSse(url(), document, { n: 500 });
    const results = await refused.rest();
    expect(results.map((r) => r.errors?.[0]?.extensions?.["code"])).toEqual(["COST_LIMIT"]);
    expect(results[0]?.data ?? undefined).toBeUndefined();
    expect(upstream.calls.length).toBe(calls);
  });

  it("S05: the same subscription within the limit starts its stream", async () => {
    const subscription = await subscribeOverSse(url(), document, { n: 2 });
    const call = await upstream.nextCall();
    call.write(sse.event({ content: "x" }));
    expect(await subscription.next()).toEqual({ data: { generate: { content: "x", models: [] } } });
    subscription.close();
  });
});
