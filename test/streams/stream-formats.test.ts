import { describe, expect, it } from "vitest";
import type { TrestleServer } from "../passthrough/raw-http.js";
import { useStreamingTrestle } from "../helpers/use-streaming-trestle.js";
import { subscribeOverSse } from "../helpers/sse-subscribe.js";
import { sse, type StreamingUpstream } from "../helpers/streaming-upstream.js";

// The stream formats and how their events become payloads: OpenAI- and TGI-style SSE, named
// events, the spec's corners, NDJSON mapped like any answer (naming, @from), and many
// subscriptions at once without cross-talk.

const schema = (url: string) => `
  extend schema @upstream(name: "ml", baseUrl: "${url}")
  extend schema @upstream(name: "flows", baseUrl: "${url}/flows", naming: SNAKE_CASE)
  type Query { ping: String @rest(upstream: "ml", path: "/ping") }
  type Token { content: String }
  type TgiToken { id: Int, text: String, special: Boolean }
  type Delta { text: String, seq: Int }
  enum Level { INFO WARN }
  type LogLine { runId: ID, message: String, level: Level @from(path: "meta.level") }
  type Subscription {
    generate(prompt: String!, n: Int = 0): Token
      @rest(upstream: "ml", method: POST, path: "/generate?n={args.n}", body: "{\\"prompt\\": {args.prompt}, \\"stream\\": true}",
            stream: { format: SSE, select: "choices.0.delta", done: "[DONE]" })
    tgi(inputs: String!): TgiToken
      @rest(upstream: "ml", method: POST, path: "/generate_stream", body: "{\\"inputs\\": {args.inputs}}", stream: { format: SSE, select: "token" })
    named: Delta @rest(upstream: "ml", path: "/named", stream: { format: SSE, event: "delta", done: "end" })
    raw: String @rest(upstream: "ml", path: "/raw", stream: { format: SSE })
    runLogs(id: ID!): LogLine @rest(upstream: "flows", path: "/runs/{args.id}/logs", stream: { format: NDJSON })
  }`;

describe("#18 streams: formats", () => {
  let upstream: StreamingUpstream;
  let served: TrestleServer;
  const url = () => `http://127.0.0.1:${served.port}/graphql`;

  useStreamingTrestle(schema, (world) => ({ upstream, served } = world));

  it("#18: TGI-style SSE (data: without a space, no end marker) streams until the upstream ends the answer", async () => {
    const subscription = await subscribeOverSse(url(), `subscription { tgi(inputs: "Hi") { id text special } }`);
    const call = await upstream.nextCall();
    expect(call.url).toBe("/generate_stream");
    call.write(sse.tgi("Hel", 1));
    expect(await subscription.next()).toEqual({ data: { tgi: { id: 1, text: "Hel", special: false } } });
    call.end(sse.tgi("lo", 2));
    expect(await subscription.rest()).toEqual([{ data: { tgi: { id: 2, text: "lo", special: false } } }]);
  });

  it("#18: named events: only `event: delta` are payloads; `done` ends on that data value whatever the event's name", async () => {
    const subscription = await subscribeOverSse(url(), `subscription { named { text seq } }`);
    const call = await upstream.nextCall();
    call.write(sse.event({ text: "skip" }, { event: "ping" }) + sse.event({ text: "a", seq: 1 }, { event: "delta", id: "1" }));
    expect(await subscription.next()).toEqual({ data: { named: { text: "a", seq: 1 } } });
    call.write(
      sse.event({ text: "b", seq: 2 }) + sse.event({ text: "c", seq: 3 }, { event: "delta" }) + sse.event("end", { event: "done" }),
    );
    expect(await subscription.rest()).toEqual([{ data: { named: { text: "c", seq: 3 } } }]);
    call.end();
  });

  it("#18: comments, retry:, CRLF and CR line ends, multi-line data joined by LF, and a last event without its blank line dropped", async () => {
    const subscription = await subscribeOverSse(url(), `subscription { raw }`);
    const call = await upstream.nextCall();
    call.write(': keep-alive\r\nretry: 3000\r\ndata: "one"\r\n\r\n');
    expect(await subscription.next()).toEqual({ data: { raw: "one" } });
    // Two data lines (CR line ends): joined by LF, which JSON reads as white space before the value.
    call.write('data:\rdata: "multi"\r\r');
    expect(await subscription.next()).toEqual({ data: { raw: "multi" } });
    call.write('data: "a\\nb"\n\n');
    expect(await subscription.next()).toEqual({ data: { raw: "a\nb" } });
    call.end('data: "never dispatched"\n');
    expect(await subscription.rest()).toEqual([]);
  });

  it("#18: NDJSON run logs: blank lines skipped, snake_case keys and @from mapped like any answer, enums checked", async () => {
    const subscription = await subscribeOverSse(url(), `subscription { runLogs(id: "r1") { runId message level } }`);
    const call = await upstream.nextCall();
    expect(call.url).toBe("/flows/runs/r1/logs");
    expect(call.headers["accept"]).toContain("application/x-ndjson");
    call.head(200, { "content-type": "application/x-ndjson" });
    call.write(sse.line({ run_id: "r1", message: "start", meta: { level: "INFO" } }) + "\n\r\n");
    expect(await subscription.next()).toEqual({ data: { runLogs: { runId: "r1", message: "start", level: "INFO" } } });
    call.end(
      sse.line({ run_id: "r1", message: "end", meta: { level: "WARN" } }) + JSON.stringify({ run_id: "r1", message: "last, no LF" }),
    );
    expect(await subscription.rest()).toEqual([
      { data: { runLogs: { runId: "r1", message: "end", level: "WARN" } } },
      { data: { runLogs: { runId: "r1", message: "last, no LF", level: null } } },
    ]);
  });

  it("ST16: 20 concurrent subscriptions each get their own upstream call and only their own tokens", async () => {
    const count = 20;
    const before = upstream.calls.length;
    const subscriptions = await Promise.all(
      Array.from({ length: count }, (_, n) =>
        subscribeOverSse(url(), `subscription ($n: Int) { generate(prompt: "p", n: $n) { content } }`, { n }),
      ),
    );
    const calls = (await upstream.waitForCalls(before + count)).slice(before);
    expect(calls).toHaveLength(count);
    // Answered in reverse order of arrival, interleaved: each writes its own n three times.
    for (let round = 0; round < 3; round++)
      for (const call of [...calls].reverse()) call.write(sse.openai(`${new URL(call.url, "http://x").searchParams.get("n")}:${round}`));
    for (const call of calls) call.end(sse.openaiDone);
    const results = await Promise.all(subscriptions.map((subscription) => subscription.rest()));
    results.forEach((payloads, n) => {
      expect(payloads).toEqual([0, 1, 2].map((round) => ({ data: { generate: { content: `${n}:${round}` } } })));
    });
  });

  it("#18: a plain query still answers beside open streams", async () => {
    const subscription = await subscribeOverSse(url(), `subscription { raw }`);
    const call = await upstream.nextCall();
    call.write('data: "open"\n\n');
    expect(await subscription.next()).toEqual({ data: { raw: "open" } });
    const pinged = fetch(url(), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ ping }" }),
    });
    const ping = await upstream.nextCall();
    ping.head(200, { "content-type": "application/json" });
    ping.end('"pong"');
    expect(await (await pinged).json()).toEqual({ data: { ping: "pong" } });
    subscription.close();
    await call.closed;
  });
});
