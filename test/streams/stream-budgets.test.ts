import { afterEach, describe, expect, it } from "vitest";
import type { Trestle, TrestleOptions } from "../../src/index.js";
import { serveTrestle, type TrestleServer } from "../passthrough/raw-http.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { subscribeOverSse, type SseSubscription } from "../helpers/sse-subscribe.js";
import { sse, startStreamingUpstream, type StreamCall, type StreamingUpstream } from "../helpers/streaming-upstream.js";

// Open streams have their own budget per upstream (`maxStreams`), apart from the
// `maxConcurrency` slots short calls use, and count toward `limits.maxSubscriptions` per
// instance; past either, SUBSCRIPTION_LIMIT, a request error: nothing is sent upstream.

const schema = (url: string, ml: string) => `
  extend schema @upstream(name: "ml", baseUrl: "${url}", ${ml})
  extend schema @upstream(name: "flows", baseUrl: "${url}/flows")
  type Query { ping: String @rest(upstream: "ml", path: "/ping") }
  type Token { content: String }
  type Subscription {
    generate: Token @rest(upstream: "ml", method: POST, path: "/generate", body: "{}", stream: { format: SSE, done: "[DONE]" })
    logs: Token @rest(upstream: "flows", path: "/logs", stream: { format: NDJSON })
  }`;

let world: { upstream: StreamingUpstream; trestle: Trestle; served: TrestleServer; url: string } | undefined;

async function start(ml: string, options: Partial<TrestleOptions> = {}) {
  const upstream = await startStreamingUpstream((call) => {
    if (call.url !== "/ping") return;
    call.head(200, { "content-type": "application/json" });
    call.end('"pong"');
  });
  const trestle = await createTestTrestle(schema(upstream.url, ml), options);
  const served = await serveTrestle(trestle);
  world = { upstream, trestle, served, url: `http://127.0.0.1:${served.port}/graphql` };
  return world;
}

afterEach(async () => {
  await world?.served.close();
  await world?.trestle.close();
  await world?.upstream.close();
  world = undefined;
});

/** Opens a subscription and waits until its upstream call is streaming (its first payload seen). */
async function openStream(url: string, upstream: StreamingUpstream, field: "generate" | "logs"): Promise<[SseSubscription, StreamCall]> {
  const subscription = await subscribeOverSse(url, `subscription { ${field} { content } }`);
  const call = await upstream.nextCall();
  call.write(field === "generate" ? sse.event({ content: "first" }) : sse.line({ content: "first" }));
  expect(await subscription.next()).toEqual({ data: { [field]: { content: "first" } } });
  return [subscription, call];
}

const ping = async (url: string) => (await fetch(`${url}?query=${encodeURIComponent("{ ping }")}`)).json();

describe("#18 streams: budgets", () => {
  it("ST02: 128 open streams on an upstream with maxConcurrency 8 leave its short calls their slots: a plain query still answers", async () => {
    const { upstream, url } = await start("maxConcurrency: 8");
    const subscriptions = await Promise.all(
      Array.from({ length: 128 }, () => subscribeOverSse(url, `subscription { generate { content } }`)),
    );
    const calls = await upstream.waitForCalls(128);
    for (const call of calls) call.write(sse.event({ content: "t" }));
    for (const subscription of subscriptions) expect(await subscription.next()).toEqual({ data: { generate: { content: "t" } } });
    expect(upstream.open).toBe(128);
    expect(await ping(url)).toEqual({ data: { ping: "pong" } });
    const metrics = await (await fetch(url.replace("/graphql", "/metrics"))).text();
    expect(metrics).toContain("trestle_subscriptions_open 128");
    // Each stream's call is counted once its head arrived, like any upstream call.
    expect(metrics).toMatch(/trestle_upstream_requests_total\{upstream="ml",method="POST",outcome="200"\} 128\n/);
    for (const subscription of subscriptions) subscription.close();
    await Promise.all(calls.map((call) => call.closed));
  });

  it("ST03: past the upstream's maxStreams a subscription is refused with SUBSCRIPTION_LIMIT and nothing is sent; a closed stream frees its place", async () => {
    const { upstream, url } = await start("maxStreams: 2");
    const [first, firstCall] = await openStream(url, upstream, "generate");
    await openStream(url, upstream, "generate");
    const calls = upstream.calls.length;
    const refused = await subscribeOverSse(url, `subscription { generate { content } }`);
    const results = await refused.rest();
    expect(results).toEqual([
      {
        errors: [
          {
            message: 'Upstream "ml" has 2 streams open, its limit (@upstream maxStreams); try again later.',
            locations: [{ line: 1, column: 16 }],
            path: ["generate"],
            extensions: { code: "SUBSCRIPTION_LIMIT", upstream: "ml" },
          },
        ],
      },
    ]);
    expect(upstream.calls.length).toBe(calls);
    // Another upstream's streams are not counted against ml's budget.
    await openStream(url, upstream, "logs");
    // The client leaving releases its place.
    first.close();
    await firstCall.closed;
    await openStream(url, upstream, "generate");
  });

  it("ST04: past limits.maxSubscriptions (all upstreams together) a subscription is refused with SUBSCRIPTION_LIMIT; subscriptions refused as JSON (406) hold no place", async () => {
    const { upstream, url } = await start("", { limits: { maxSubscriptions: 2 } });
    for (let i = 0; i < 3; i++) {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({ query: `subscription { generate { content } }` }),
      });
      expect(response.status).toBe(406);
    }
    await openStream(url, upstream, "generate");
    const [, logsCall] = await openStream(url, upstream, "logs");
    const results = await (await subscribeOverSse(url, `subscription { logs { content } }`)).rest();
    expect(results.map((r) => r.errors?.[0]?.extensions?.["code"])).toEqual(["SUBSCRIPTION_LIMIT"]);
    expect(results[0]?.errors?.[0]?.message).toBe(
      "This server has 2 subscriptions open, its limit (limits.maxSubscriptions); try again later.",
    );
    // A stream that ends by itself frees its place too.
    logsCall.end();
    await openStream(url, upstream, "logs");
    expect(await ping(url)).toEqual({ data: { ping: "pong" } });
  });
});
