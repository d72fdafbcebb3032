import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerTestSdk, startOtlpReceiver, type OtlpReceiver } from "../helpers/otlp-receiver.js";
import { sendJson } from "../helpers/test-upstream.js";
import { useServedTrestle } from "../helpers/use-served-trestle.js";
import { liveTracer } from "../../src/tracing/live-tracer.js";
import { post, traceIdSent, traceOf } from "./trace-world.js";

/** Two upstreams: one declares `traceparent: from traceparent` (and tracestate), the other declares nothing. */
const world = useServedTrestle({
  upstream: (req, res) => sendJson(res, 200, { id: req.url }),
  schema: (url) => /* GraphQL */ `
    extend schema @upstream(name: "declared", baseUrl: "${url}/d", headers: [
      { name: "traceparent", from: "traceparent" }, { name: "tracestate", from: "tracestate" }
    ])
    extend schema @upstream(name: "plain", baseUrl: "${url}/p")
    type Query {
      a: Thing @rest(upstream: "declared", path: "/a")
      b: Thing @rest(upstream: "plain", path: "/b")
    }
    type Thing { id: ID }
  `,
});

let receiver: OtlpReceiver;
beforeAll(async () => (receiver = await startOtlpReceiver()));
afterAll(() => receiver.close());

const clientTraceparent = `00-${"c".repeat(32)}-${"d".repeat(16)}-01`;

describe("T24: with no OpenTelemetry SDK registered", () => {
  it("T24: no SDK: trace headers go upstream only through a declared rule, exactly as the client sent them", async () => {
    expect(liveTracer()).toBeUndefined();
    const { body } = await post(world.port, "{ a { id } b { id } }", {}, { traceparent: clientTraceparent, tracestate: "v=1" });
    expect(body.data).toEqual({ a: { id: "/d/a" }, b: { id: "/p/b" } });
    const byPath = Object.fromEntries(world.upstream.requests.map((request) => [request.url, request.headers]));
    expect(byPath["/d/a"]).toMatchObject({ traceparent: clientTraceparent, tracestate: "v=1" });
    expect(byPath["/p/b"]!["traceparent"]).toBeUndefined();
    expect(byPath["/p/b"]!["tracestate"]).toBeUndefined();
  });

  it("T24: no SDK: zero spans; one registered later traces the next request, every call carrying its traceparent declared or not", async () => {
    await post(world.port, "query Untraced { a { id } b { id } }", {}, { traceparent: clientTraceparent });
    const sdk = registerTestSdk(receiver);
    try {
      await post(world.port, "query Traced { a { id } b { id } }");
      const traced = world.upstream.requests.slice(2);
      expect(traced.map((request) => request.headers["traceparent"])).toEqual([expect.any(String), expect.any(String)]);
      const spans = await traceOf(receiver, traceIdSent(traced[0]));
      expect(traceIdSent(traced[1])).toBe(spans[0]!.traceId);
      await sdk.flush();
      // Everything exported belongs to the traced request: the untraced one made no span.
      expect(receiver.spans.length).toBe(spans.length);
      expect(receiver.spans.filter((span) => span.kind === 1).map((span) => span.name)).toEqual(["query Traced"]);
    } finally {
      await sdk.close();
    }
    expect(liveTracer()).toBeUndefined();
  });
});
