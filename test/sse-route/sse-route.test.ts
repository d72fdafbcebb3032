import { describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import type { TrestleServer } from "../passthrough/raw-http.js";
import { useStreamingTrestle } from "../helpers/use-streaming-trestle.js";
import { subscribeOverSse, type SubscriptionResult } from "../helpers/sse-subscribe.js";
import { sse, type StreamingUpstream } from "../helpers/streaming-upstream.js";

// GraphQL over SSE answered by Trestle's own route (src/execution/create-sse-route.ts), through
// node:http under a prefix and through trestle.fetch(): graphql-sse's distinct-connections
// framing, the front door's rules (CSRF on GET, limits, cost, masking), the client leaving,
// and refusals before the first event answered as yoga's route answered them.

const schema = (url: string) => `
  extend schema @upstream(name: "ml", baseUrl: "${url}", breaker: { failures: 0 })
  type Query { ping: String @rest(path: "/ping") }
  type Model { id: ID, owner: Model @rest(path: "/models/{parent.id}") }
  type Token { content: String, model: Model @rest(path: "/models/{parent.model}") }
  type Subscription {
    generate(prompt: String! @constraint(maxLength: 20)): Token
      @rest(method: POST, path: "/generate", body: "{\\"prompt\\": {args.prompt}}", stream: { format: SSE, select: "choices.0.delta", done: "[DONE]" })
  }`;

const generate = `subscription ($p: String!) { generate(prompt: $p) { content } }`;
const codes = (results: SubscriptionResult[]) => results.map((result) => result.errors?.[0]?.extensions?.["code"]);

describe("SSE route: GraphQL over SSE through node:http, under a prefix", () => {
  let upstream: StreamingUpstream;
  let trestle: Trestle;
  let served: TrestleServer;
  const url = () => `http://127.0.0.1:${served.port}/bff/graphql`;

  useStreamingTrestle(schema, (world) => ({ upstream, trestle, served } = world), {
    prefix: "/bff",
    limits: { maxDepth: 3, maxSubscriptions: 2 },
  });

  /** A normal subscriber is still served afterwards. */
  async function stillServed(): Promise<void> {
    const subscription = await subscribeOverSse(url(), generate, { p: "ok" });
    (await upstream.nextCall()).end(sse.openai("ok") + sse.openaiDone);
    expect(await subscription.rest()).toEqual([{ data: { generate: { content: "ok" } } }]);
  }

  it("SSE01: the wire format is graphql-sse's distinct connections: a comment, one `event: next` per token, `event: complete`", async () => {
    const response = fetch(url(), {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify({ query: generate, variables: { p: "hi" } }),
    });
    const head = await response;
    expect(head.status).toBe(200);
    expect(Object.fromEntries(["content-type", "cache-control", "content-encoding"].map((name) => [name, head.headers.get(name)]))).toEqual(
      {
        "content-type": "text/event-stream",
        "cache-control": "no-cache",
        "content-encoding": "none",
      },
    );
    const call = await upstream.nextCall();
    expect(JSON.parse(call.body)).toEqual({ prompt: "hi" });
    call.end(sse.openai("Hel") + sse.openai("lo") + sse.openaiDone);
    expect(await head.text()).toBe(
      ":\n\n" +
        'event: next\ndata: {"data":{"generate":{"content":"Hel"}}}\n\n' +
        'event: next\ndata: {"data":{"generate":{"content":"lo"}}}\n\n' +
        "event: complete\ndata:\n\n",
    );
  });

  it("SSE01: each payload arrives before the upstream has finished, in order, for clients that also accept JSON", async () => {
    for (const accept of [
      "text/event-stream",
      "application/json, text/event-stream",
      "text/event-stream;q=1, application/graphql-response+json",
    ]) {
      const subscription = await subscribeOverSse(url(), generate, { p: accept.slice(0, 20) }, { accept });
      const call = await upstream.nextCall();
      for (const token of ["a", "b", "c"]) {
        call.write(sse.openai(token));
        expect(await subscription.next(), accept).toEqual({ data: { generate: { content: token } } });
      }
      call.end(sse.openaiDone);
      expect(await subscription.rest()).toEqual([]);
    }
  });

  it("SSE02: a subscription over GET without x-trestle-csrf is refused with 403 CSRF_PREVENTED before any upstream call; with the header it streams", async () => {
    const calls = upstream.calls.length;
    const query = encodeURIComponent(`subscription { generate(prompt: "get") { content } }`);
    for (const accept of ["text/event-stream", "TEXT/EVENT-STREAM", "application/json, text/event-stream"]) {
      const refused = await fetch(`${url()}?query=${query}`, {
        headers: { accept, cookie: "session=victim", origin: "https://evil.example" },
      });
      expect(refused.status, accept).toBe(403);
      expect(((await refused.json()) as { errors: Array<{ extensions: unknown }> }).errors[0]?.extensions).toEqual({
        code: "CSRF_PREVENTED",
      });
    }
    expect(upstream.calls.length).toBe(calls);
    const response = fetch(`${url()}?query=${query}`, { headers: { accept: "text/event-stream", "x-trestle-csrf": "1" } });
    const call = await upstream.nextCall();
    expect(JSON.parse(call.body)).toEqual({ prompt: "get" });
    call.end(sse.openai("ok") + sse.openaiDone);
    const text = await (await response).text();
    expect(text).toContain('event: next\ndata: {"data":{"generate":{"content":"ok"}}}\n\n');
    expect(text.endsWith("event: complete\ndata:\n\n")).toBe(true);
  });

  it("SSE03: request limits, token limit, parse and validation errors refuse a subscription with no upstream call, answered as before", async () => {
    const calls = upstream.calls.length;
    const cases: Array<[string, string, number]> = [
      ["depth", `subscription { generate(prompt: "p") { model { owner { owner { id } } } } }`, 400],
      ["tokens", `subscription { generate(prompt: "p") { ${"content ".repeat(20_000)} } }`, 400],
      ["syntax", `subscription { generate(prompt: "p") { content `, 200],
      ["unknown field", `subscription { generate(prompt: "p") { secret } }`, 200],
    ];
    for (const [name, query, status] of cases) {
      const subscription = await subscribeOverSse(url(), query);
      expect(subscription.status, name).toBe(status);
      const results = await subscription.rest();
      expect(results, name).toHaveLength(1);
      expect(results[0]?.data, name).toBeUndefined();
      expect(results[0]?.errors?.[0]?.message, name).toBeTruthy();
    }
    expect(upstream.calls.length).toBe(calls);
    await stillServed();
  });

  it("SSE03: an argument over its @constraint and variables that do not coerce are BAD_USER_INPUT, one `next` then `complete`, no upstream call", async () => {
    const calls = upstream.calls.length;
    const over = await subscribeOverSse(url(), generate, { p: "x".repeat(21) });
    const overResults = await over.rest();
    expect(codes(overResults)).toEqual(["BAD_USER_INPUT"]);
    expect(overResults[0]?.errors?.[0]?.message).toContain("prompt must be at most 20 characters");
    const wrong = await subscribeOverSse(url(), generate, { p: { nested: true } });
    expect(wrong.status).toBe(400);
    expect(codes(await wrong.rest())).toEqual(["BAD_USER_INPUT"]);
    expect(upstream.calls.length).toBe(calls);
    await stillServed();
  });

  it("SSE04: the client leaving aborts the upstream call at once (before the first token and mid-stream), and frees its place", async () => {
    // maxSubscriptions is 2: places not freed would refuse the third round.
    for (let round = 0; round < 3; round++) {
      const early = await subscribeOverSse(url(), generate, { p: `early ${round}` });
      const earlyCall = await upstream.nextCall();
      early.close();
      await earlyCall.closed;
      expect(earlyCall.closedEarly).toBe(true);
      const mid = await subscribeOverSse(url(), generate, { p: `mid ${round}` });
      const midCall = await upstream.nextCall();
      midCall.write(sse.openai("tok"));
      expect(await mid.next()).toEqual({ data: { generate: { content: "tok" } } });
      mid.close();
      await midCall.closed;
      expect(midCall.closedEarly).toBe(true);
    }
    await stillServed();
  });

  it("SSE05: past limits.maxSubscriptions a subscription is SUBSCRIPTION_LIMIT (one `next`, `complete`) and the upstream sees no call", async () => {
    const before = upstream.calls.length;
    const open = [await subscribeOverSse(url(), generate, { p: "one" }), await subscribeOverSse(url(), generate, { p: "two" })];
    const openCalls = (await upstream.waitForCalls(before + 2)).slice(before);
    const calls = upstream.calls.length;
    const refused = await subscribeOverSse(url(), generate, { p: "three" });
    const results = await refused.rest();
    expect(codes(results)).toEqual(["SUBSCRIPTION_LIMIT"]);
    expect(results[0]?.errors?.[0]?.message).toBe(
      "This server has 2 subscriptions open, its limit (limits.maxSubscriptions); try again later.",
    );
    // Asked for as JSON too: the refusal is JSON.
    const asJson = await fetch(url(), {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ query: generate, variables: { p: "four" } }),
    });
    expect(asJson.headers.get("content-type")).toContain("application/json");
    expect(((await asJson.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]?.extensions.code).toBe(
      "SUBSCRIPTION_LIMIT",
    );
    expect(upstream.calls.length).toBe(calls);
    for (const subscription of open) subscription.close();
    await Promise.all(openCalls.map((call) => call.closed));
    await stillServed();
  });

  it("SSE06: an upstream error before the first event is one masked error payload with its code and status, then completion", async () => {
    const subscription = await subscribeOverSse(url(), generate, { p: "fail" });
    const call = await upstream.nextCall();
    call.head(500, { "content-type": "application/json" });
    call.end(JSON.stringify({ detail: "Traceback: secret at /srv/model.py line 12" }));
    const results = await subscription.rest();
    expect(results).toEqual([
      {
        data: { generate: null },
        errors: [expect.objectContaining({ path: ["generate"], extensions: { code: "UPSTREAM_ERROR", upstream: "ml", status: 500 } })],
      },
    ]);
    expect(JSON.stringify(results)).not.toContain("secret");
    await stillServed();
  });

  it("SSE06: a malformed event mid-stream is one masked UPSTREAM_BAD_RESPONSE payload after the tokens that came, then completion", async () => {
    const subscription = await subscribeOverSse(url(), generate, { p: "bad" });
    const call = await upstream.nextCall();
    call.write(sse.openai("fine"));
    expect(await subscription.next()).toEqual({ data: { generate: { content: "fine" } } });
    call.write("data: {not json, secret-token-123\n\n");
    const results = await subscription.rest();
    expect(codes(results)).toEqual(["UPSTREAM_BAD_RESPONSE"]);
    expect(JSON.stringify(results)).not.toContain("secret-token-123");
    await call.closed;
    await stillServed();
  });

  it("SSE07: queries asking for text/event-stream are answered as before: one `next` then `complete`, or JSON when JSON is accepted", async () => {
    const over = fetch(url(), {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify({ query: "{ ping }" }),
    });
    const ping = await upstream.nextCall();
    ping.head(200, { "content-type": "application/json" });
    ping.end('"pong"');
    const text = await (await over).text();
    expect(text).toContain('event: next\ndata: {"data":{"ping":"pong"}}\n\n');
    expect(text.endsWith("event: complete\ndata:\n\n")).toBe(true);
    const json = fetch(url(), {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ query: "{ ping }" }),
    });
    const again = await upstream.nextCall();
    again.head(200, { "content-type": "application/json" });
    again.end('"pong"');
    expect(await (await json).json()).toEqual({ data: { ping: "pong" } });
  });

  it("SSE07: unreadable bodies and parameters keep their answers (400 for invalid JSON and variables, 413 past maxRequestBytes)", async () => {
    const post = (body: string, headers: Record<string, string> = {}) =>
      fetch(url(), { method: "POST", headers: { "content-type": "application/json", accept: "text/event-stream", ...headers }, body });
    const invalid = await post("{not json");
    expect(invalid.status).toBe(400);
    const variables = await post(JSON.stringify({ query: generate, variables: "p=1" }));
    expect(variables.status).toBe(400);
    expect(await variables.text()).toContain('The \\"variables\\" parameter must be a JSON object or null');
    const large = await post(JSON.stringify({ query: generate, variables: { p: "x".repeat(2_000_000) } }));
    expect(large.status).toBe(413);
    await stillServed();
  });

  it("SSE08: through trestle.fetch(), the same stream; cancelling the Response aborts the upstream call", async () => {
    const request = () =>
      new Request(`http://trestle.test/bff/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "text/event-stream" },
        body: JSON.stringify({ query: generate, variables: { p: "fetch" } }),
      });
    const response = await trestle.fetch(request());
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const call = await upstream.nextCall();
    call.end(sse.openai("via fetch") + sse.openaiDone);
    expect(await response.text()).toBe(
      ':\n\nevent: next\ndata: {"data":{"generate":{"content":"via fetch"}}}\n\nevent: complete\ndata:\n\n',
    );

    const left = await trestle.fetch(request());
    const leftCall = await upstream.nextCall();
    const reader = left.body!.getReader();
    await reader.read(); // the comment
    await reader.cancel();
    await leftCall.closed;
    expect(leftCall.closedEarly).toBe(true);
  });
});
