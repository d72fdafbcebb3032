import { afterEach, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { serveTrestle, type TrestleServer } from "../passthrough/raw-http.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { subscribeOverSse, type SseSubscription } from "../helpers/sse-subscribe.js";
import { pollSchema, startWorkflowUpstream, type WorkflowUpstream } from "./workflow-upstream.js";

const runQuery = `subscription ($id: ID!) { run(id: $id) { id state } }`;

describe("Jobs (#19) poll: timeouts, budgets, shutdown and nested reads", () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  async function start(poll?: string, limits?: Record<string, number>, types = "") {
    const upstream: WorkflowUpstream = await startWorkflowUpstream(150);
    const trestle: Trestle = await createTestTrestle(pollSchema(upstream.url, poll) + types, limits ? { limits } : {});
    const served: TrestleServer = await serveTrestle(trestle);
    cleanups.push(upstream.close, () => trestle.close(), served.close);
    const url = `http://127.0.0.1:${served.port}/graphql`;
    const subscribe = (id: string, query = runQuery) => subscribeOverSse(url, query, { id });
    return { upstream, trestle, url, subscribe };
  }
  const next = async (subscription: SseSubscription) => (await subscription.next())!;

  it("J09: past timeoutMs a subscription gets POLL_TIMEOUT, then completes; a new one is served", async () => {
    const { upstream, subscribe } = await start(`everyMs: 100, until: { path: "state", in: ["success"] }, timeoutMs: 400`);
    upstream.put("forever", "running");
    const subscription = await subscribe("forever");
    expect(await next(subscription)).toEqual({ data: { run: { id: "forever", state: "running" } } });
    const timedOut = await next(subscription);
    expect(timedOut.data).toEqual({ run: null });
    expect(timedOut.errors?.[0]?.extensions).toMatchObject({ code: "POLL_TIMEOUT", timeoutMs: 400 });
    expect(timedOut.errors?.[0]?.message).toContain("Subscription.run was still polling after 400 ms");
    expect(await subscription.next()).toBeUndefined();
    upstream.put("quick", "success");
    expect(await (await subscribe("quick")).rest()).toEqual([{ data: { run: { id: "quick", state: "success" } } }]);
  });

  it("J10: limits.maxPollLoops: a subscriber that would start one loop too many gets SUBSCRIPTION_LIMIT; joining a running loop is fine", async () => {
    const { upstream, subscribe } = await start(undefined, { maxPollLoops: 2 });
    for (const id of ["a", "b", "c"]) upstream.put(id, "running");
    const a = await subscribe("a");
    const b = await subscribe("b");
    expect((await next(a)).data).toEqual({ run: { id: "a", state: "running" } });
    expect((await next(b)).data).toEqual({ run: { id: "b", state: "running" } });
    const refused = await (await subscribe("c")).rest();
    expect(refused[0]?.errors?.[0]?.extensions?.["code"]).toBe("SUBSCRIPTION_LIMIT");
    expect(refused[0]?.errors?.[0]?.message).toContain("limits.maxPollLoops");
    expect(upstream.getsOf("c")).toHaveLength(0);
    const a2 = await subscribe("a");
    expect((await next(a2)).data).toEqual({ run: { id: "a", state: "running" } });
    // A loop that stops frees its place.
    a.close();
    a2.close();
    upstream.set("b", "success");
    expect((await next(b)).data).toEqual({ run: { id: "b", state: "success" } });
    expect(await b.next()).toBeUndefined();
    const c = await subscribe("c");
    expect((await next(c)).data).toEqual({ run: { id: "c", state: "running" } });
    c.close();
  });

  it("J11: poll subscribers count toward limits.maxSubscriptions, even when they share a loop", async () => {
    const { upstream, subscribe } = await start(undefined, { maxSubscriptions: 2 });
    upstream.put("x", "running");
    const one = await subscribe("x");
    const two = await subscribe("x");
    expect((await next(one)).data).toEqual({ run: { id: "x", state: "running" } });
    expect((await next(two)).data).toEqual({ run: { id: "x", state: "running" } });
    const refused = await (await subscribe("x")).rest();
    expect(refused[0]?.errors?.[0]?.extensions?.["code"]).toBe("SUBSCRIPTION_LIMIT");
    expect(refused[0]?.errors?.[0]?.message).toContain("limits.maxSubscriptions");
    one.close();
    two.close();
  });

  it.each([["../admin"], [".."], ["%2e%2e"], ["a\u0000b"]])(
    "J18: a run id an attacker shapes (%j) is refused with BAD_USER_INPUT before any read or loop; the next user is served",
    async (id) => {
      const { upstream, subscribe } = await start(undefined, { maxPollLoops: 1 });
      const refused = await (await subscribe(id)).rest();
      expect(refused).toHaveLength(1);
      expect(refused[0]?.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
      expect(upstream.requests).toHaveLength(0);
      // The refusal started no loop: the only one allowed is still free.
      upstream.put("fine", "success");
      expect(await (await subscribe("fine")).rest()).toEqual([{ data: { run: { id: "fine", state: "success" } } }]);
    },
  );

  it("J12: trestle.close() ends every loop: subscribers complete and the upstream is read no more", async () => {
    const { upstream, trestle, subscribe } = await start();
    upstream.put("open", "running");
    const subscription = await subscribe("open");
    expect((await next(subscription)).data).toEqual({ run: { id: "open", state: "running" } });
    const closing = trestle.close();
    expect(await subscription.next()).toBeUndefined();
    await closing;
    const reads = upstream.getsOf("open").length;
    await new Promise((resolve) => setTimeout(resolve, 300)); // three intervals: nothing may come
    expect(upstream.getsOf("open").length).toBe(reads);
  });

  it("J13: nested @rest fields of a payload load per payload, for each subscriber", async () => {
    const { upstream, subscribe } = await start(
      undefined,
      undefined,
      `\n  type Owner { name: String }\n  extend type Run { owner: Owner @rest(path: "/runs/{parent.id}/owner") }`,
    );
    upstream.put("nested", "queued");
    const query = `subscription ($id: ID!) { run(id: $id) { state owner { name } } }`;
    const subscription = await subscribe("nested", query);
    expect(await next(subscription)).toEqual({ data: { run: { state: "queued", owner: { name: "owner of nested" } } } });
    upstream.set("nested", "success");
    expect(await next(subscription)).toEqual({ data: { run: { state: "success", owner: { name: "owner of nested" } } } });
    expect(await subscription.next()).toBeUndefined();
    expect(upstream.requests.filter((r) => r.url === "/runs/nested/owner")).toHaveLength(2);
  });
});
