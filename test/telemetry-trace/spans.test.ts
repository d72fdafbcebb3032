import { trace } from "@opentelemetry/api";
import { describe, expect, it } from "vitest";
import { query } from "../helpers/graphql.js";
import { childrenOf } from "../helpers/otlp-receiver.js";
import { post, traceIdSent, traceOf, useTraceWorld } from "./trace-world.js";

const world = useTraceWorld();

const clientSpans = (spans: ReturnType<typeof childrenOf>) => spans.filter((span) => span.kind === 3);

describe("T24: spans of a request, its operation and its upstream calls", () => {
  it("T24: an N+1 query is one trace: request → operation → three upstream client spans, batch sizes on the batched ones", async () => {
    const { status } = await post(world.port, "query Roster { users { name team { name } org { name } } }");
    expect(status).toBe(200);
    const spans = await traceOf(world.receiver, traceIdSent(world.upstream.requests[0]));
    const server = spans.find((span) => span.kind === 2)!;
    expect(server).toMatchObject({
      name: "POST /graphql",
      parentSpanId: "",
      attributes: {
        "http.request.method": "POST",
        "http.route": "/graphql",
        "http.response.status_code": 200,
        "trestle.route.name": "graphql",
      },
      scope: { name: "trestle" },
    });
    const [operation, ...others] = childrenOf(spans, server);
    expect(others).toEqual([]);
    expect(operation).toMatchObject({
      name: "query Roster",
      kind: 1,
      attributes: { "graphql.operation.type": "query", "graphql.operation.name": "Roster" },
    });
    expect(operation!.attributes["graphql.document"]).toMatch(/^[0-9a-f]{64}$/);
    const calls = clientSpans(childrenOf(spans, operation!)).sort((a, b) => a.name.localeCompare(b.name));
    expect(calls.map((span) => span.name)).toEqual(["GET /orgs", "GET /teams", "GET /users"]);
    const [orgs, teams, users] = calls;
    expect(teams!.attributes).toMatchObject({
      "http.request.method": "GET",
      "url.full": `${world.upstream.url}/teams?ids=REDACTED`,
      "server.address": "127.0.0.1",
      "server.port": Number(new URL(world.upstream.url).port),
      "http.response.status_code": 200,
      "trestle.upstream": "api",
      "trestle.route": "/teams?ids={keys}",
      "trestle.batch.size": 3,
    });
    expect(orgs!.attributes["trestle.batch.size"]).toBe(2);
    expect(users!.attributes["trestle.batch.size"]).toBeUndefined();
    // Each upstream request carried the traceparent of its own client span.
    const sent = world.upstream.requests.map((request) => request.headers["traceparent"]).sort();
    expect(sent).toEqual(calls.map((span) => `00-${span.traceId}-${span.spanId}-01`).sort());
  });

  it("T24: a client's traceparent is continued, and the upstream gets Trestle's own client span, never the client's value", async () => {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const clientSpan = "00f067aa0ba902b7";
    await post(world.port, '{ search(q: "x") { name } }', {}, { traceparent: `00-${traceId}-${clientSpan}-01`, tracestate: "vendor=abc" });
    const spans = await traceOf(world.receiver, traceId);
    const server = spans.find((span) => span.kind === 2)!;
    expect(server.parentSpanId).toBe(clientSpan);
    const call = spans.find((span) => span.kind === 3)!;
    expect(call.spanId).not.toBe(clientSpan);
    const [request] = world.upstream.requests;
    // The schema declares `traceparent: from traceparent`: the SDK's value replaces the client's.
    expect(request!.headers["traceparent"]).toBe(`00-${traceId}-${call.spanId}-01`);
    expect(request!.headers["tracestate"]).toBe("vendor=abc");
    // And the answer serves the next user as usual.
    expect((await post(world.port, '{ search(q: "y") { name } }')).status).toBe(200);
  });

  it("T24: a malformed client traceparent starts a new trace, and is not sent upstream", async () => {
    const bad = "00-zzzz-not-a-trace-01";
    const { status } = await post(world.port, '{ search(q: "bad") { name } }', {}, { traceparent: bad });
    expect(status).toBe(200);
    const spans = await traceOf(world.receiver, traceIdSent(world.upstream.requests[0]));
    const server = spans.find((span) => span.kind === 2)!;
    expect(server.parentSpanId).toBe("");
    const call = spans.find((span) => span.kind === 3)!;
    expect(world.upstream.requests[0]!.headers["traceparent"]).toBe(`00-${server.traceId}-${call.spanId}-01`);
  });

  it("T24: an upstream error is recorded on its client span and the operation span (status ERROR, error.type the code)", async () => {
    const { body } = await post(world.port, "{ broken { id } }");
    expect(body.errors?.[0]?.extensions?.["code"]).toBe("UPSTREAM_ERROR");
    const spans = await traceOf(world.receiver, traceIdSent(world.upstream.requests[0]));
    const call = spans.find((span) => span.kind === 3)!;
    expect(call.status.code).toBe(2);
    expect(call.attributes).toMatchObject({ "error.type": "UPSTREAM_ERROR", "http.response.status_code": 500 });
    const operation = spans.find((span) => span.kind === 1)!;
    expect(operation.status.code).toBe(2);
    expect(operation.attributes["error.type"]).toBe("UPSTREAM_ERROR");
    expect(operation.events.map((event) => event.attributes["exception.type"])).toEqual(["UPSTREAM_ERROR"]);
  });

  it("T24: a retried call is one client span with its resend count, and every attempt carries that span's traceparent", async () => {
    const { body } = await post(world.port, "{ flaky { id } }");
    expect(body.data).toEqual({ flaky: { id: "f" } });
    const spans = await traceOf(world.receiver, traceIdSent(world.upstream.requests[0]));
    const calls = spans.filter((span) => span.kind === 3);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.attributes).toMatchObject({ "http.request.resend_count": 1, "http.response.status_code": 200 });
    expect(calls[0]!.status.code).toBe(0);
    expect(world.upstream.requests.map((request) => request.headers["traceparent"])).toEqual([
      `00-${calls[0]!.traceId}-${calls[0]!.spanId}-01`,
      `00-${calls[0]!.traceId}-${calls[0]!.spanId}-01`,
    ]);
  });

  it("T24: a cache hit is a client span with cache status hit and no HTTP; trace headers never split the cache", async () => {
    const first = `00-${"a".repeat(32)}-${"1".repeat(16)}-01`;
    const second = `00-${"b".repeat(32)}-${"2".repeat(16)}-01`;
    await post(world.port, '{ cached(id: "7") { id } }', {}, { traceparent: first, tracestate: "one=1", baggage: "k=v1" });
    await post(world.port, '{ cached(id: "7") { id } }', {}, { traceparent: second, tracestate: "two=2", baggage: "k=v2" });
    expect(world.upstream.requests.filter((request) => request.url === "/cached/7")).toHaveLength(1);
    const miss = (await traceOf(world.receiver, "a".repeat(32))).find((span) => span.kind === 3)!;
    const hit = (await traceOf(world.receiver, "b".repeat(32))).find((span) => span.kind === 3)!;
    expect(miss.attributes["trestle.cache.status"]).toBe("miss");
    expect(hit.attributes).toMatchObject({
      "trestle.cache.status": "hit",
      "http.response.status_code": 200,
      "trestle.route": "/cached/{args.id}",
    });
  });

  it("T24: a passthrough exchange: its request span named after the route, a client span, the call's traceparent upstream", async () => {
    const response = await fetch(`http://127.0.0.1:${world.port}/rest/api/items/42?color=red`);
    expect(await response.json()).toEqual({ item: "42" });
    const spans = await traceOf(world.receiver, traceIdSent(world.upstream.requests[0]));
    const server = spans.find((span) => span.kind === 2)!;
    expect(server).toMatchObject({
      name: "GET /rest/api/*",
      attributes: {
        "http.route": "/rest/api/*",
        "trestle.route.name": "passthrough",
        "trestle.upstream": "api",
        "http.response.status_code": 200,
      },
    });
    const [call] = childrenOf(spans, server);
    expect(call).toMatchObject({
      name: "GET",
      kind: 3,
      attributes: {
        "url.full": `${world.upstream.url}/items/42?color=REDACTED`,
        "http.response.status_code": 200,
        "trestle.upstream": "api",
      },
    });
    expect(world.upstream.requests[0]!.headers["traceparent"]).toBe(`00-${call!.traceId}-${call!.spanId}-01`);
  });

  it("T24: an operation over GET (yoga's route) has its operation span too", async () => {
    const response = await fetch(
      `http://127.0.0.1:${world.port}/graphql?query=${encodeURIComponent('query Few { search(q: "g") { id } }')}`,
      {
        headers: { accept: "application/json" },
      },
    );
    expect(response.status).toBe(200);
    const spans = await traceOf(world.receiver, traceIdSent(world.upstream.requests[0]));
    const operation = spans.find((span) => span.kind === 1)!;
    expect(operation).toMatchObject({ name: "query Few", attributes: { "graphql.operation.name": "Few" } });
    expect(childrenOf(spans, operation).map((span) => span.kind)).toEqual([3]);
  });

  it("T24: embedded under the host app's own span (trestle.fetch), the request span is its INTERNAL child, whatever traceparent the client sent", async () => {
    const result = await trace
      .getTracer("host-app")
      .startActiveSpan("host handler", (span) =>
        query(world.trestle, '{ search(q: "h") { id } }', {}, { traceparent: `00-${"e".repeat(32)}-${"f".repeat(16)}-01` }).finally(() =>
          span.end(),
        ),
      );
    expect(result.status).toBe(200);
    const traceId = traceIdSent(world.upstream.requests[0]);
    expect(traceId).not.toBe("e".repeat(32));
    const spans = await world.receiver.waitFor((all) => all.some((span) => span.name === "host handler" && span.traceId === traceId));
    const handler = spans.find((span) => span.name === "host handler" && span.traceId === traceId)!;
    const request = spans.find((span) => span.parentSpanId === handler.spanId)!;
    expect(request).toMatchObject({ name: "POST /graphql", kind: 1, scope: { name: "trestle" } });
  });
});
