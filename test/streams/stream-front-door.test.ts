import { describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import type { TrestleServer } from "../passthrough/raw-http.js";
import { useStreamingTrestle } from "../helpers/use-streaming-trestle.js";
import { subscribeOverSse } from "../helpers/sse-subscribe.js";
import { sse, type StreamCall, type StreamingUpstream } from "../helpers/streaming-upstream.js";

// The front door's rules hold for subscription operations: CSRF, limits, argument
// constraints, and a subscription sent where a stream cannot be answered gets a clear error.
// Nested @rest fields of a payload resolve through loaders made for that payload.

const schema = (url: string) => `
  extend schema @upstream(name: "ml", baseUrl: "${url}")
  type Query { ping: String @rest(path: "/ping") }
  type Model { id: ID, name: String, owner: Model @rest(path: "/models/{parent.id}") }
  type Token { content: String, model: Model @rest(path: "/models/{parent.model}") }
  type Subscription {
    generate(prompt: String! @constraint(maxLength: 20)): Token
      @rest(method: POST, path: "/generate", body: "{\\"prompt\\": {args.prompt}}", stream: { format: SSE, done: "[DONE]" })
  }`;

describe("#18 streams: the front door's rules", () => {
  let upstream: StreamingUpstream;
  let trestle: Trestle;
  let served: TrestleServer;
  const url = () => `http://127.0.0.1:${served.port}/graphql`;
  const models: StreamCall[] = [];

  // Model reads are answered at once (and never stored, so each read reaches the upstream).
  useStreamingTrestle(
    schema,
    (world) => ({ upstream, trestle, served } = world),
    { limits: { maxDepth: 3 } },
    (call) => {
      if (!call.url.startsWith("/models/")) return;
      models.push(call);
      const id = call.url.slice("/models/".length);
      call.head(200, { "content-type": "application/json", "cache-control": "no-store" });
      call.end(JSON.stringify({ id, name: `model ${id}` }));
    },
  );

  it("#18: nested @rest fields of a payload share one read within the payload, never across payloads", async () => {
    models.length = 0;
    const subscription = await subscribeOverSse(
      url(),
      `subscription { generate(prompt: "p") { content a: model { name } b: model { id } } }`,
    );
    const call = await upstream.nextCall();
    call.write(sse.event({ content: "x", model: "m1" }));
    expect(await subscription.next()).toEqual({ data: { generate: { content: "x", a: { name: "model m1" }, b: { id: "m1" } } } });
    expect(models.map((c) => c.url)).toEqual(["/models/m1"]);
    call.write(sse.event({ content: "y", model: "m1" }));
    expect(await subscription.next()).toEqual({ data: { generate: { content: "y", a: { name: "model m1" }, b: { id: "m1" } } } });
    // The second payload read m1 again: its loaders are its own.
    expect(models.map((c) => c.url)).toEqual(["/models/m1", "/models/m1"]);
    call.end(sse.openaiDone);
    expect(await subscription.rest()).toEqual([]);
  });

  it("ST05: a subscription over GET asking for text/event-stream without x-trestle-csrf is refused with 403 before any upstream call", async () => {
    const calls = upstream.calls.length;
    const query = encodeURIComponent(`subscription { generate(prompt: "p") { content } }`);
    // What a cross-site EventSource sends: GET, Accept: text/event-stream, cookies, no custom header.
    const refused = await fetch(`${url()}?query=${query}`, { headers: { accept: "text/event-stream", cookie: "session=victim" } });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({
      errors: [
        {
          message: "A subscription over GET needs the x-trestle-csrf header (CSRF prevention); POST it as application/json instead.",
          extensions: { code: "CSRF_PREVENTED" },
        },
      ],
    });
    expect(upstream.calls.length).toBe(calls);
    // A plain GET query is still served, and so is a subscription POSTed as JSON.
    const ping = fetch(`${url()}?query=${encodeURIComponent("{ ping }")}`);
    const pingCall = await upstream.nextCall();
    pingCall.head(200, { "content-type": "application/json" });
    pingCall.end('"pong"');
    expect(await (await ping).json()).toEqual({ data: { ping: "pong" } });
    const subscription = await subscribeOverSse(url(), `subscription { generate(prompt: "p") { content } }`);
    (await upstream.nextCall()).end(sse.event({ content: "ok" }) + sse.openaiDone);
    expect(await subscription.rest()).toEqual([{ data: { generate: { content: "ok" } } }]);
  });

  it("ST05: a subscription over GET with x-trestle-csrf streams", async () => {
    const query = encodeURIComponent(`subscription { generate(prompt: "get") { content } }`);
    const response = fetch(`${url()}?query=${query}`, { headers: { accept: "text/event-stream", "x-trestle-csrf": "1" } });
    const call = await upstream.nextCall();
    expect(JSON.parse(call.body)).toEqual({ prompt: "get" });
    call.end(sse.event({ content: "ok" }) + sse.openaiDone);
    const text = await (await response).text();
    expect(text).toContain(`event: next\ndata: {"data":{"generate":{"content":"ok"}}}`);
    expect(text).toContain("event: complete");
  });

  it("ST08: the request limits apply to subscriptions (maxDepth), and nothing is sent upstream", async () => {
    const calls = upstream.calls.length;
    const subscription = await subscribeOverSse(url(), `subscription { generate(prompt: "p") { model { owner { owner { name } } } } }`);
    const results = await subscription.rest();
    expect(results).toHaveLength(1);
    expect(results[0]?.errors?.[0]?.message).toMatch(/depth/i);
    expect(upstream.calls.length).toBe(calls);
  });

  it("ST08: @constraint on a subscription's argument is checked before the upstream call", async () => {
    const calls = upstream.calls.length;
    const subscription = await subscribeOverSse(url(), `subscription { generate(prompt: "${"x".repeat(21)}") { content } }`);
    const results = await subscription.rest();
    expect(results[0]?.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
    expect(results[0]?.errors?.[0]?.message).toContain("prompt must be at most 20 characters");
    expect(upstream.calls.length).toBe(calls);
  });

  it("ST09: a subscription POSTed as plain JSON (no Accept: text/event-stream) gets a clear error at once, no upstream call", async () => {
    const calls = upstream.calls.length;
    for (const accept of ["application/json", "application/graphql-response+json", "application/json, multipart/mixed"]) {
      const response = await fetch(url(), {
        method: "POST",
        headers: { "content-type": "application/json", accept },
        body: JSON.stringify({ query: `subscription { generate(prompt: "p") { content } }` }),
      });
      expect(response.status, accept).toBe(406);
      expect(await response.json()).toEqual({
        errors: [
          {
            message:
              "A subscription answers as a stream: send it with Accept: text/event-stream (GraphQL over SSE) or over WebSocket (graphql-transport-ws).",
            extensions: { code: "NOT_ACCEPTABLE" },
          },
        ],
      });
    }
    expect(upstream.calls.length).toBe(calls);
  });
});
