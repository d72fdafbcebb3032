import { describe, expect, it } from "vitest";
import { PollSubscriber } from "../../src/connector/poll-subscriber.js";
import { StreamPayload } from "../../src/connector/payload-stream.js";

// J19: a subscriber that never reads (its socket stalled) while its loop keeps publishing: what
// it holds is bounded, and the newest state, the last one pushed, is never lost.
describe("J19: a poll subscriber that does not read", () => {
  it("J19: holds at most PollSubscriber.maxQueued payloads, and the last one pushed is the last one it gets", async () => {
    const subscriber = new PollSubscriber(() => undefined);
    for (let i = 0; i < 10_000; i++) subscriber.push(new StreamPayload({ state: `s${i}` }));
    subscriber.finish();
    const received: unknown[] = [];
    for await (const payload of subscriber) received.push(payload.value);
    expect(received.length).toBe(PollSubscriber.maxQueued);
    expect(received.slice(0, 3)).toEqual([{ state: "s0" }, { state: "s1" }, { state: "s2" }]);
    expect(received.at(-1)).toEqual({ state: "s9999" });
  });
});
