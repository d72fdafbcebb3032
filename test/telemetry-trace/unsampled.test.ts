import { ParentBasedSampler, AlwaysOffSampler } from "@opentelemetry/sdk-trace-node";
import { describe, expect, it } from "vitest";
import { captureLogs } from "../telemetry-logs/capture-logs.js";
import { post, traceOf, useTraceWorld } from "./trace-world.js";

// A sampler that drops the request (here: parent-based, always off at the root; the same holds
// for always_off and the unsampled share of a ratio): Trestle builds no operation or call span
// under it, yet every upstream call still carries the request's trace id, flagged unsampled.
const logs = captureLogs();
const world = useTraceWorld({ logger: logs.logger }, new ParentBasedSampler({ root: new AlwaysOffSampler() }));

const traceparentOf = (request: { headers: Record<string, unknown> } | undefined) => {
  const value = request?.headers["traceparent"];
  if (typeof value !== "string") throw new Error(`no traceparent upstream: ${JSON.stringify(request?.headers)}`);
  const [version, traceId, spanId, flags] = value.split("-");
  return { version, traceId, spanId, flags };
};

describe("T24: a request the sampler drops", () => {
  it("T24: an N+1 query exports no span; its three upstream calls carry one trace id, flag 00; the log line names no trace", async () => {
    const { status, body } = await post(world.port, "query Roster { users { name team { name } org { name } } }");
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    const sent = world.upstream.requests.map(traceparentOf);
    expect(sent).toHaveLength(3);
    for (const each of sent) {
      expect(each.version).toBe("00");
      expect(each.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(each.spanId).toMatch(/^[0-9a-f]{16}$/);
      expect(each.flags).toBe("00");
    }
    expect(new Set(sent.map((each) => each.traceId)).size).toBe(1);
    // No span of their own: each call carries the request span's id (the operation built none either).
    expect(new Set(sent.map((each) => each.spanId)).size).toBe(1);
    await world.sdk.flush();
    expect(world.receiver.spans.filter((span) => span.traceId === sent[0]!.traceId)).toEqual([]);
    const [line] = (await logs.waitForRequests(1)).slice(-1);
    expect(line).toMatchObject({ operation: "Roster", status: 200, calls: 3 });
    expect(line).not.toHaveProperty("traceId");
  });

  it("T24: a client's sampled traceparent is still traced whole under the same sampler: request, operation and call spans", async () => {
    const clientTrace = "0af7651916cd43dd8448eb211c80319c";
    const { status } = await post(world.port, "query One { users { name } }", {}, { traceparent: `00-${clientTrace}-b7ad6b7169203331-01` });
    expect(status).toBe(200);
    const sent = traceparentOf(world.upstream.requests.at(-1));
    expect(sent).toMatchObject({ traceId: clientTrace, flags: "01" });
    const spans = await traceOf(world.receiver, clientTrace);
    const client = spans.find((span) => span.kind === 3);
    expect(client?.spanId).toBe(sent.spanId);
    expect(spans.map((span) => span.kind).sort()).toEqual([1, 2, 3]);
    const [line] = (await logs.waitForRequests(2)).slice(-1);
    expect(line).toMatchObject({ operation: "One", traceId: clientTrace });
  });

  it("T24: a client's unsampled traceparent continues its trace id upstream, flag 00, and nothing is exported", async () => {
    const clientTrace = "4bf92f3577b34da6a3ce929d0e0e4736";
    const { status } = await post(world.port, "query One { users { name } }", {}, { traceparent: `00-${clientTrace}-00f067aa0ba902b7-00` });
    expect(status).toBe(200);
    const sent = traceparentOf(world.upstream.requests.at(-1));
    expect(sent).toMatchObject({ traceId: clientTrace, flags: "00" });
    // Never the client's own span id: the request span's.
    expect(sent.spanId).not.toBe("00f067aa0ba902b7");
    await world.sdk.flush();
    expect(world.receiver.spans.filter((span) => span.traceId === clientTrace)).toEqual([]);
  });
});
