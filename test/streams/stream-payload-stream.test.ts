import { describe, expect, it } from "vitest";
import { PayloadStream, type StreamPayload } from "../../src/connector/payload-stream.js";
import { createSubscriptionStreams } from "../../src/connector/subscription-streams.js";
import { createUpstreamPipeline } from "../../src/pipeline/upstream-pipeline.js";
import { testUpstreamPlan } from "../helpers/upstream-plan.js";
import { sse, startStreamingUpstream } from "../helpers/streaming-upstream.js";

// PayloadStream on its own, against a real upstream: what a consumer that does not wait for
// one payload before asking for the next (not yoga's nor graphql-ws's way) still gets.

describe("#18 streams: PayloadStream", () => {
  it("ST17: two payloads asked for at once make one upstream call and come in order; return() then ends it and frees the budget", async () => {
    const upstream = await startStreamingUpstream();
    const plan = testUpstreamPlan({ name: "ml", origin: upstream.url, maxResponseBytes: 4096 });
    const pipeline = createUpstreamPipeline([plan]);
    const streams = createSubscriptionStreams(pipeline, 10, {});
    try {
      let fresh = 0;
      const payloads = new PayloadStream({
        request: { upstream: plan, method: "GET", path: "/tokens", headers: { accept: "text/event-stream" }, body: undefined },
        plan: { format: "SSE", select: ["t"], done: undefined, event: undefined },
        errors: undefined,
        streams,
        clientSignal: undefined,
        beforePayload: () => fresh++,
      });
      payloads.holds(streams.reserve(plan, () => payloads.end()));
      expect(streams.count).toBe(1);
      const [first, second] = [payloads.next(), payloads.next()];
      const call = await upstream.nextCall();
      call.write(sse.event({ t: 1 }) + sse.event({ t: 2 }));
      const values = (await Promise.all([first, second])).map((result) => (result.value as StreamPayload).value);
      expect(values).toEqual([1, 2]);
      expect(fresh).toBe(2);
      expect(upstream.calls).toHaveLength(1);
      await payloads.return();
      await call.closed;
      expect(streams.count).toBe(0);
      expect(await payloads.next()).toEqual({ value: undefined, done: true });
    } finally {
      await pipeline.close();
      await upstream.close();
    }
  });
});
