import { describe, expect, it } from "vitest";
import { createUpstreamSlots } from "../../src/loader/create-upstream-slots.js";
import { ClientGone } from "../../src/upstream/client-signal.js";

// S05: the per-operation share of each upstream (limits.maxConcurrentCallsPerUpstream).
describe("S05: createUpstreamSlots", () => {
  it("S05: gives `max` slots per upstream at once, then hands freed slots out first come, first served", async () => {
    const slots = createUpstreamSlots(2, undefined);
    expect(slots.take("a")).toBeUndefined();
    expect(slots.take("a")).toBeUndefined();
    // Another upstream has its own share.
    expect(slots.take("b")).toBeUndefined();
    const order: number[] = [];
    const waiting = [1, 2, 3].map((n) => slots.take("a")!.then(() => order.push(n)));
    slots.give("a");
    slots.give("a");
    await Promise.all(waiting.slice(0, 2));
    expect(order).toEqual([1, 2]);
    slots.give("a");
    await waiting[2];
    expect(order).toEqual([1, 2, 3]);
    // The last two calls finish: both slots are free again, and only both.
    slots.give("a");
    slots.give("a");
    expect(slots.take("a")).toBeUndefined();
    expect(slots.take("a")).toBeUndefined();
    expect(slots.take("a")).toBeInstanceOf(Promise);
  });

  it("S05: a client that leaves abandons every waiting call with CLIENT_CLOSED_REQUEST; later takes fail at once", async () => {
    const gone = new ClientGone();
    const slots = createUpstreamSlots(1, gone);
    expect(slots.take("a")).toBeUndefined();
    const waiting = [slots.take("a"), slots.take("a")].map((p) => p!.catch((error: unknown) => error));
    gone.abort();
    for (const error of await Promise.all(waiting)) expect(error).toMatchObject({ code: "CLIENT_CLOSED_REQUEST", upstream: "a" });
    await expect(slots.take("a")).rejects.toMatchObject({ code: "CLIENT_CLOSED_REQUEST" });
  });
});
