import { describe, expect, it } from "vitest";
import type { TrestleServer } from "../passthrough/raw-http.js";
import { useStreamingTrestle } from "../helpers/use-streaming-trestle.js";
import { subscribeOverSse } from "../helpers/sse-subscribe.js";
import { sse, type StreamingUpstream } from "../helpers/streaming-upstream.js";

const schema = (url: string) => `
  extend schema @upstream(name: "ml", baseUrl: "${url}")
  type Query { ping: String @rest(path: "/ping") }
  type Token { content: String }
  type Subscription {
    generate(model: String!, prompt: String!): Token
      @rest(method: POST, path: "/models/{args.model}/generate", body: "{\\"prompt\\": {args.prompt}, \\"stream\\": true}",
            stream: { format: SSE, select: "choices.0.delta", done: "[DONE]" })
  }`;

const generate = `subscription ($p: String!) { generate(model: "m1", prompt: $p) { content } }`;

describe("#18 streams: SSE Subscription fields over GraphQL over SSE", () => {
  let upstream: StreamingUpstream;
  let served: TrestleServer;
  const url = () => `http://127.0.0.1:${served.port}/graphql`;

  useStreamingTrestle(schema, (world) => ({ upstream, served } = world));

  it("#18: OpenAI-style tokens arrive one payload each, the first before the upstream has finished; [DONE] completes", async () => {
    const subscription = await subscribeOverSse(url(), generate, { p: "Say hi" });
    expect(subscription.status).toBe(200);
    expect(subscription.headers.get("content-type")).toContain("text/event-stream");
    const call = await upstream.nextCall();
    expect(call.method).toBe("POST");
    expect(call.url).toBe("/models/m1/generate");
    expect(JSON.parse(call.body)).toEqual({ prompt: "Say hi", stream: true });
    expect(call.headers["accept"]).toBe("text/event-stream");
    call.write(sse.openai("Hel"));
    // The upstream has not finished: it waits for the test to have seen payload 1.
    expect(await subscription.next()).toEqual({ data: { generate: { content: "Hel" } } });
    call.write(sse.openai("lo"));
    expect(await subscription.next()).toEqual({ data: { generate: { content: "lo" } } });
    call.write(sse.openaiDone);
    expect(await subscription.next()).toBeUndefined();
    call.end();
  });
});
