import { describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { serveTrestle, type TrestleServer } from "../passthrough/raw-http.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { useStreamingTrestle } from "../helpers/use-streaming-trestle.js";
import { subscribeOverSse } from "../helpers/sse-subscribe.js";
import { sse, startStreamingUpstream, type StreamingUpstream } from "../helpers/streaming-upstream.js";

// A stream's one upstream request follows the same header rules as any @rest field's: the
// upstream's and the field's rules, templates, the app's onUpstreamRequest, and the checks
// that keep a client's value from splitting a header.

const schema = (url: string) => `
  extend schema @upstream(name: "ml", baseUrl: "${url}", headers: [{ name: "authorization", from: "authorization" }])
  type Query { ping: String @rest(path: "/ping") }
  type Token { content: String }
  type Subscription {
    generate(model: String!): Token
      @rest(method: POST, path: "/generate", body: "{\\"model\\": {args.model}}", headers: [{ name: "x-model", value: "{args.model}" }, { name: "accept", value: "text/event-stream; charset=utf-8" }],
            stream: { format: SSE, done: "[DONE]" })
  }`;

describe("#18 streams: header rules", () => {
  let upstream: StreamingUpstream;
  let trestle: Trestle;
  let served: TrestleServer;
  const url = () => `http://127.0.0.1:${served.port}/graphql`;

  useStreamingTrestle(schema, (world) => ({ upstream, trestle, served } = world), {
    onUpstreamRequest: ({ headers }) => headers.set("x-signed", "yes"),
  });

  it("#18: forwarded and templated headers, a header rule's own accept, and onUpstreamRequest reach the stream's request", async () => {
    const subscription = await subscribeOverSse(
      url(),
      `subscription { generate(model: "m1") { content } }`,
      {},
      { authorization: "Bearer t1" },
    );
    const call = await upstream.nextCall();
    expect(call.headers).toMatchObject({
      authorization: "Bearer t1",
      "x-model": "m1",
      accept: "text/event-stream; charset=utf-8",
      "accept-encoding": "identity",
      "x-signed": "yes",
      "content-type": "application/json",
    });
    expect(JSON.parse(call.body)).toEqual({ model: "m1" });
    call.end(sse.event({ content: "ok" }) + sse.openaiDone);
    expect(await subscription.rest()).toEqual([{ data: { generate: { content: "ok" } } }]);
  });

  it("ST07: a client value that would split a header is BAD_USER_INPUT, nothing is sent, and the next subscriber is served", async () => {
    const calls = upstream.calls.length;
    for (const model of ["m1\r\nx-admin: 1", "m1\nx", "m\u0000"]) {
      const results = await (
        await subscribeOverSse(url(), `subscription ($m: String!) { generate(model: $m) { content } }`, { m: model })
      ).rest();
      expect(results).toHaveLength(1);
      expect(results[0]?.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
      expect(results[0]?.errors?.[0]?.message).toContain("x-model");
    }
    expect(upstream.calls.length).toBe(calls);
    const subscription = await subscribeOverSse(url(), `subscription { generate(model: "m2") { content } }`);
    (await upstream.nextCall()).end(sse.event({ content: "fine" }) + sse.openaiDone);
    expect(await subscription.rest()).toEqual([{ data: { generate: { content: "fine" } } }]);
  });
});

describe("#18 streams: through the app's fetch", () => {
  it("ST06: with createTrestle({ fetch }) a stream goes through it, payload by payload, and the client leaving aborts it", async () => {
    const upstream = await startStreamingUpstream();
    const seen: string[] = [];
    const trestle = await createTestTrestle(schema(upstream.url), {
      fetch: (target, init) => {
        seen.push(target);
        return fetch(target, init);
      },
    });
    const served = await serveTrestle(trestle);
    try {
      const subscription = await subscribeOverSse(
        `http://127.0.0.1:${served.port}/graphql`,
        `subscription { generate(model: "f") { content } }`,
      );
      const call = await upstream.nextCall();
      expect(seen).toEqual([`${upstream.url}/generate`]);
      call.write(sse.event({ content: "a" }));
      expect(await subscription.next()).toEqual({ data: { generate: { content: "a" } } });
      subscription.close();
      await call.closed;
    } finally {
      await served.close();
      await trestle.close();
      await upstream.close();
    }
  });
});
