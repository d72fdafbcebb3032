import { describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { serveTrestle, type TrestleServer } from "../passthrough/raw-http.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { useStreamingTrestle } from "../helpers/use-streaming-trestle.js";
import { subscribeOverSse, type SubscriptionResult } from "../helpers/sse-subscribe.js";
import { sse, startStreamingUpstream, type StreamingUpstream } from "../helpers/streaming-upstream.js";

// A subscription's life: the client leaving aborts the upstream call at once; every failure,
// before the first event or mid-stream, is one error payload with its code, then completion;
// close() ends open streams. Error payloads are masked like any field error.

const schema = (url: string) => `
  extend schema @upstream(name: "ml", baseUrl: "${url}", maxResponseBytes: 4096, breaker: { failures: 0 })
  extend schema @upstream(name: "slow", baseUrl: "${url}/slow", timeoutMs: 300, breaker: { failures: 0 })
  extend schema @upstream(name: "flaky", baseUrl: "${url}/flaky", breaker: { failures: 1, resetMs: 60000 })
  extend schema @upstream(name: "down", baseUrl: "http://127.0.0.1:1", breaker: { failures: 0 })
  type Query { ping: String @rest(upstream: "ml", path: "/ping") }
  type Token { content: String }
  type Subscription {
    generate: Token @rest(upstream: "ml", method: POST, path: "/generate", body: "{}", stream: { format: SSE, select: "choices.0.delta", done: "[DONE]" })
    lines: Token @rest(upstream: "ml", path: "/lines", stream: { format: NDJSON, done: "EOF" })
    strict: Token @rest(upstream: "ml", path: "/strict", errors: { expose: [422] }, stream: { format: SSE })
    slow: Token @rest(upstream: "slow", path: "/tokens", stream: { format: SSE })
    flaky: Token @rest(upstream: "flaky", path: "/tokens", stream: { format: SSE })
    down: Token @rest(upstream: "down", path: "/tokens", stream: { format: SSE })
  }`;

const codeOf = (result: SubscriptionResult | undefined) => result?.errors?.[0]?.extensions?.["code"];

describe("#18 streams: lifecycle and errors", () => {
  let upstream: StreamingUpstream;
  let trestle: Trestle;
  let served: TrestleServer;
  const url = () => `http://127.0.0.1:${served.port}/graphql`;
  const subscribe = (query: string) => subscribeOverSse(url(), query);

  /** A normal subscriber is still served: two tokens, then [DONE]. */
  async function stillServed(): Promise<void> {
    const subscription = await subscribe(`subscription { generate { content } }`);
    const call = await upstream.nextCall();
    call.end(sse.openai("ok") + sse.openaiDone);
    expect(await subscription.rest()).toEqual([{ data: { generate: { content: "ok" } } }]);
  }

  useStreamingTrestle(schema, (world) => ({ upstream, trestle, served } = world));

  it("ST06: the client leaving mid-stream aborts the upstream call at once (the upstream sees the connection close)", async () => {
    const subscription = await subscribe(`subscription { generate { content } }`);
    const call = await upstream.nextCall();
    call.write(sse.openai("Hel"));
    expect(await subscription.next()).toEqual({ data: { generate: { content: "Hel" } } });
    subscription.close();
    await call.closed;
    expect(call.closedEarly).toBe(true);
    await stillServed();
  });

  it("ST06: the client leaving before the upstream's head arrived aborts the call too", async () => {
    const subscription = await subscribe(`subscription { generate { content } }`);
    const call = await upstream.nextCall();
    subscription.close();
    await call.closed;
    await stillServed();
  });

  it("ST10: a non-2xx answer before the first event is one UPSTREAM_ERROR payload with its status, body masked, then completion", async () => {
    const subscription = await subscribe(`subscription { generate { content } }`);
    const call = await upstream.nextCall();
    call.head(503, { "content-type": "application/json" });
    call.end(JSON.stringify({ detail: "secret stack trace at /srv/model.py" }));
    const results = await subscription.rest();
    expect(results).toHaveLength(1);
    expect(results[0]?.data).toEqual({ generate: null });
    expect(results[0]?.errors?.[0]?.extensions).toEqual({ code: "UPSTREAM_ERROR", upstream: "ml", status: 503 });
    expect(JSON.stringify(results)).not.toContain("secret");
    await stillServed();
  });

  it("ST10: a 4xx the field exposes (errors: { expose: [422] }) shows its details in the error payload", async () => {
    const subscription = await subscribe(`subscription { strict { content } }`);
    const call = await upstream.nextCall();
    call.head(422, { "content-type": "application/json" });
    call.end(JSON.stringify({ detail: [{ loc: ["body", "prompt"], msg: "too long" }] }));
    const [result] = await subscription.rest();
    expect(result?.errors?.[0]?.extensions).toMatchObject({
      code: "UPSTREAM_ERROR",
      status: 422,
      details: [{ loc: ["body", "prompt"], msg: "too long" }],
    });
  });

  it("#18: an NDJSON line equal to done ends the stream (the line is not a payload)", async () => {
    const subscription = await subscribeOverSse(url(), `subscription { lines { content } }`);
    const call = await upstream.nextCall();
    call.head(200, { "content-type": "application/x-ndjson" });
    call.write(sse.line({ content: "a" }) + " EOF \n" + sse.line({ content: "never" }));
    expect(await subscription.rest()).toEqual([{ data: { lines: { content: "a" } } }]);
    await call.closed;
  });

  it("ST11: a refused connection is one UPSTREAM_UNAVAILABLE payload, then completion", async () => {
    const results = await (await subscribe(`subscription { down { content } }`)).rest();
    expect(results.map(codeOf)).toEqual(["UPSTREAM_UNAVAILABLE"]);
    expect(JSON.stringify(results)).not.toContain("ECONNREFUSED");
  });

  it("ST11: an open breaker is one UPSTREAM_CIRCUIT_OPEN payload, and no request reaches the upstream", async () => {
    const first = await subscribe(`subscription { flaky { content } }`);
    const call = await upstream.nextCall();
    call.head(500);
    call.end("boom");
    expect((await first.rest()).map(codeOf)).toEqual(["UPSTREAM_ERROR"]);
    const calls = upstream.calls.length;
    const second = await subscribe(`subscription { flaky { content } }`);
    expect((await second.rest()).map(codeOf)).toEqual(["UPSTREAM_CIRCUIT_OPEN"]);
    expect(upstream.calls.length).toBe(calls);
  });

  it("ST11: a reset mid-stream is one UPSTREAM_UNAVAILABLE payload after the tokens that came, then completion", async () => {
    const subscription = await subscribe(`subscription { generate { content } }`);
    const call = await upstream.nextCall();
    call.write(sse.openai("a"));
    expect(await subscription.next()).toEqual({ data: { generate: { content: "a" } } });
    call.reset();
    expect((await subscription.rest()).map(codeOf)).toEqual(["UPSTREAM_UNAVAILABLE"]);
    await stillServed();
  });

  it("ST12: a malformed SSE event is one UPSTREAM_BAD_RESPONSE payload; the upstream call is closed", async () => {
    const subscription = await subscribe(`subscription { generate { content } }`);
    const call = await upstream.nextCall();
    call.write(sse.openai("a") + "data: {not json\n\n" + sse.openai("never"));
    const results = await subscription.rest();
    expect(results[0]).toEqual({ data: { generate: { content: "a" } } });
    expect(results.slice(1).map(codeOf)).toEqual(["UPSTREAM_BAD_RESPONSE"]);
    expect(JSON.stringify(results)).not.toContain("not json");
    await call.closed;
  });

  it("ST12: an SSE endpoint that answers one JSON document (it ignored stream: true) is one UPSTREAM_BAD_RESPONSE payload, not a silent end", async () => {
    const subscription = await subscribe(`subscription { generate { content } }`);
    const call = await upstream.nextCall();
    call.head(200, { "content-type": "application/json; charset=utf-8" });
    call.end(JSON.stringify({ choices: [{ message: { content: "whole answer" } }] }));
    const results = await subscription.rest();
    expect(results.map(codeOf)).toEqual(["UPSTREAM_BAD_RESPONSE"]);
    expect(results[0]?.errors?.[0]?.message).toBe('Upstream "ml" answered application/json, not a stream of server-sent events.');
    await stillServed();
  });

  it("ST12: a malformed NDJSON line is one UPSTREAM_BAD_RESPONSE payload", async () => {
    const subscription = await subscribe(`subscription { lines { content } }`);
    const call = await upstream.nextCall();
    call.head(200, { "content-type": "application/x-ndjson" });
    call.write(sse.line({ content: "a" }) + "{oops\n");
    const results = await subscription.rest();
    expect(results.map((r) => r.data)).toEqual([{ lines: { content: "a" } }, { lines: null }]);
    expect(codeOf(results[1])).toBe("UPSTREAM_BAD_RESPONSE");
    await call.closed;
  });

  it("ST13: a line longer than maxResponseBytes is one UPSTREAM_RESPONSE_TOO_LARGE payload (nothing more is read)", async () => {
    const subscription = await subscribe(`subscription { lines { content } }`);
    const call = await upstream.nextCall();
    call.head(200, { "content-type": "application/x-ndjson" });
    call.write(`{"content": "${"x".repeat(5000)}`);
    expect((await subscription.rest()).map(codeOf)).toEqual(["UPSTREAM_RESPONSE_TOO_LARGE"]);
    await call.closed;
    await stillServed();
  });

  it("ST14: a silence longer than the upstream's timeoutMs mid-stream is one UPSTREAM_TIMEOUT payload", async () => {
    const subscription = await subscribe(`subscription { slow { content } }`);
    const call = await upstream.nextCall();
    expect(call.url).toBe("/slow/tokens");
    call.write(sse.event({ content: "a" }));
    expect(await subscription.next()).toEqual({ data: { slow: { content: "a" } } });
    // The upstream now says nothing; 300 ms later Trestle gives up.
    expect((await subscription.rest()).map(codeOf)).toEqual(["UPSTREAM_TIMEOUT"]);
    await call.closed;
  });

  it("ST14: no head within timeoutMs is one UPSTREAM_TIMEOUT payload", async () => {
    const subscription = await subscribe(`subscription { slow { content } }`);
    const call = await upstream.nextCall();
    expect((await subscription.rest()).map(codeOf)).toEqual(["UPSTREAM_TIMEOUT"]);
    await call.closed;
  });
});

describe("#18 streams: close() ends open subscriptions", () => {
  it("ST15: trestle.close() completes open streams, closes their upstream calls and returns (it does not wait for the streams to end)", async () => {
    const upstream = await startStreamingUpstream();
    const trestle = await createTestTrestle(schema(upstream.url));
    const served = await serveTrestle(trestle);
    try {
      const subscriptions = await Promise.all(
        [1, 2, 3].map(() => subscribeOverSse(`http://127.0.0.1:${served.port}/graphql`, `subscription { generate { content } }`)),
      );
      const calls = await upstream.waitForCalls(3);
      for (const call of calls) call.write(sse.openai("t"));
      for (const subscription of subscriptions) expect(await subscription.next()).toEqual({ data: { generate: { content: "t" } } });
      await trestle.close();
      for (const subscription of subscriptions) expect(await subscription.rest()).toEqual([]);
      await Promise.all(calls.map((call) => call.closed));
    } finally {
      await served.close();
      await upstream.close();
    }
  });
});
