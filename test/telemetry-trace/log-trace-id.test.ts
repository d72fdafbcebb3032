import { describe, expect, it } from "vitest";
import { captureLogs } from "../telemetry-logs/capture-logs.js";
import { post, traceIdSent, traceOf, useTraceWorld } from "./trace-world.js";

// Logs and traces meet: with an SDK registered, a request's log line carries the trace id of
// the request's own span (the one its upstream calls continue), also when the client sent none.
const logs = captureLogs();
const world = useTraceWorld({ logger: logs.logger });

describe("T24: the log line names the request's trace", () => {
  it("T24: the traceId of a request's log line is the trace its spans and upstream calls carry", async () => {
    const { status } = await post(world.port, "query Roster { users { name } }");
    expect(status).toBe(200);
    const traceId = traceIdSent(world.upstream.requests.at(-1));
    const spans = await traceOf(world.receiver, traceId);
    expect(spans.some((span) => span.kind === 2)).toBe(true);
    const lines = await logs.waitForRequests(1);
    expect(lines.at(-1)).toMatchObject({ operation: "Roster", status: 200, traceId });
  });
});
