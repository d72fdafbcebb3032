import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { serveTrestle, type TrestleServer } from "../passthrough/raw-http.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { subscribeOverSse, type SseSubscription, type SubscriptionResult } from "../helpers/sse-subscribe.js";
import { pollSchema, send, startWorkflowUpstream, type WorkflowUpstream } from "./workflow-upstream.js";

const runQuery = `subscription ($id: ID!) { run(id: $id) { id state } }`;
const states = (results: SubscriptionResult[]) =>
  results.map((r) => (r.data?.["run"] as { state?: string } | null)?.state ?? r.errors?.[0]?.extensions?.["code"]);
/** Arrival times (ms) of the GETs of one run. */
const gaps = (times: number[]) => times.slice(1).map((t, i) => t - times[i]!);

describe("Jobs (#19) poll: subscriptions that follow a run over GraphQL over SSE", () => {
  let upstream: WorkflowUpstream;
  let trestle: Trestle;
  let served: TrestleServer;
  const arrivals = new Map<string, number[]>();
  const url = () => `http://127.0.0.1:${served.port}/graphql`;
  const subscribe = (id: string, headers: Record<string, string> = {}) => subscribeOverSse(url(), runQuery, { id }, headers);
  const state = async (subscription: SseSubscription) => states([(await subscription.next())!])[0];

  beforeAll(async () => {
    upstream = await startWorkflowUpstream(150);
    const requests = upstream.requests;
    // Record when each GET arrived (the upstream's own clock), to check the pace from below only.
    const push = requests.push.bind(requests);
    requests.push = (...items) => {
      for (const item of items) {
        const list = arrivals.get(item.url) ?? [];
        list.push(performance.now());
        arrivals.set(item.url, list);
      }
      return push(...items);
    };
    trestle = await createTestTrestle(pollSchema(upstream.url));
    served = await serveTrestle(trestle);
  });
  afterAll(async () => {
    await served.close();
    await trestle.close();
    await upstream.close();
  });

  it("J02: a run that advances on a timer: one payload per state, in order, then completion at success", async () => {
    const created = (await (await fetch(`${upstream.url}/runs`, { method: "POST", body: "{}" })).json()) as { id: string };
    const subscription = await subscribe(created.id);
    expect(subscription.status).toBe(200);
    const results = await subscription.rest();
    const seen = states(results);
    // Every answer differs from the one before; the last is the terminal one (queued may be missed on a slow machine).
    expect(seen.at(-1)).toBe("success");
    expect(seen.every((s, i) => i === 0 || s !== seen[i - 1])).toBe(true);
    expect(["queued", "running", "success"].filter((s) => seen.includes(s))).toEqual(seen);
    expect(results[0]).toEqual({ data: { run: { id: created.id, state: seen[0] } } });
  });

  it("J02: a failing run completes at failed", async () => {
    const created = (await (await fetch(`${upstream.url}/runs`, { method: "POST", body: '{"fail":true}' })).json()) as { id: string };
    const seen = states(await (await subscribe(created.id)).rest());
    expect(seen.at(-1)).toBe("failed");
    expect(seen).not.toContain("success");
  });

  it("J01: answers that differ only in key order and Date are no new payload; a change is, once", async () => {
    upstream.put("steady", "queued");
    const subscription = await subscribe("steady");
    expect(await state(subscription)).toBe("queued");
    // Several reads of the same run (key order and Date alternate) while nothing changes.
    await upstream.waitForGets("steady", 4);
    upstream.set("steady", "running");
    expect(await state(subscription)).toBe("running");
    const at = upstream.getsOf("steady").length;
    await upstream.waitForGets("steady", at + 3);
    upstream.set("steady", "success");
    expect(await state(subscription)).toBe("success");
    expect(await subscription.next()).toBeUndefined();
    expect(upstream.getsOf("steady").length).toBeGreaterThanOrEqual(at + 4);
  });

  it("J03: 10 subscribers of one run share one loop: the same payloads, one GET per interval, never faster than everyMs", async () => {
    upstream.put("shared", "queued");
    const first = await subscribe("shared");
    expect(await state(first)).toBe("queued");
    const others = await Promise.all(Array.from({ length: 9 }, () => subscribe("shared")));
    // A new subscriber of a running loop gets the latest answer at once.
    for (const other of others) expect(await state(other)).toBe("queued");
    const before = upstream.getsOf("shared").length;
    await upstream.waitForGets("shared", before + 4);
    upstream.set("shared", "success");
    for (const subscription of [first, ...others]) {
      expect(await state(subscription)).toBe("success");
      expect(await subscription.next()).toBeUndefined();
    }
    const times = arrivals.get("/runs/shared")!;
    // 10 loops would read 10 times in a burst; one loop reads once, then waits everyMs after each answer.
    for (const gap of gaps(times)) expect(gap).toBeGreaterThanOrEqual(95);
  });

  it("J04: subscribers with different identities get separate loops; the same identity shares", async () => {
    upstream.put("private", "running");
    const alice = await subscribe("private", { authorization: "Bearer alice" });
    const bob = await subscribe("private", { authorization: "Bearer bob" });
    const alice2 = await subscribe("private", { authorization: "Bearer alice" });
    for (const subscription of [alice, bob, alice2]) expect(await state(subscription)).toBe("running");
    await upstream.waitForGets("private", 9);
    const tokens = upstream.getsOf("private").map((r) => r.headers["authorization"]);
    expect(new Set(tokens)).toEqual(new Set(["Bearer alice", "Bearer bob"]));
    // Alice's two subscriptions read through one loop: her GETs are as many as Bob's, give or take the one in flight.
    const count = (token: string) => tokens.filter((t) => t === token).length;
    expect(Math.abs(count("Bearer alice") - count("Bearer bob"))).toBeLessThanOrEqual(1);
    for (const subscription of [alice, bob, alice2]) subscription.close();
  });

  it("J05: the last subscriber leaving stops the loop (a marker run read meanwhile shows it)", async () => {
    upstream.put("left", "running");
    upstream.put("marker", "running");
    const a = await subscribe("left");
    const b = await subscribe("left");
    expect(await state(a)).toBe("running");
    expect(await state(b)).toBe("running");
    a.close();
    const afterFirst = upstream.getsOf("left").length;
    await upstream.waitForGets("left", afterFirst + 2); // one subscriber left: the loop goes on
    b.close();
    const marker = await subscribe("marker");
    expect(await state(marker)).toBe("running");
    const stoppedAt = upstream.getsOf("left").length;
    await upstream.waitForGets("marker", 5); // four intervals later
    expect(upstream.getsOf("left").length).toBeLessThanOrEqual(stoppedAt + 1);
    marker.close();
  });

  it("J06: a Retry-After on a 503 slows the next read to it, and so does an answer's max-age", async () => {
    upstream.put("slow", "running");
    upstream.answerNext("slow", 1, (res) => send(res, 503, { detail: "busy" }, { "retry-after": "1" }));
    const subscription = await subscribe("slow");
    // The 503 is not a payload (a failure the loop backs off from); the next answer is.
    expect(await state(subscription)).toBe("running");
    const times = arrivals.get("/runs/slow")!;
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(995);

    upstream.put("aged", "running");
    upstream.answerNext("aged", 1, (res) => send(res, 200, { id: "aged", state: "running" }, { "cache-control": "max-age=1" }));
    const aged = await subscribe("aged");
    expect(await state(aged)).toBe("running");
    await upstream.waitForGets("aged", 2);
    const agedTimes = arrivals.get("/runs/aged")!;
    expect(agedTimes[1]! - agedTimes[0]!).toBeGreaterThanOrEqual(995);
    subscription.close();
    aged.close();
  });

  it("J07: an unknown run is one error payload (404), then the end; a normal user is still served", async () => {
    const subscription = await subscribe("nope");
    const results = await subscription.rest();
    expect(results).toHaveLength(1);
    expect(results[0]!.errors?.[0]?.extensions).toMatchObject({ code: "UPSTREAM_ERROR", status: 404 });
    expect(results[0]!.data).toEqual({ run: null });
    upstream.put("after-404", "success");
    expect(states(await (await subscribe("after-404")).rest())).toEqual(["success"]);
  });

  it("J08: a run whose reads keep failing ends with an error payload carrying the last code", async () => {
    upstream.put("broken", "running");
    upstream.answerNext("broken", 5, (res) => send(res, 500, { detail: "db down" }));
    const results = await (await subscribe("broken")).rest();
    expect(results).toHaveLength(1);
    expect(results[0]!.errors?.[0]?.extensions).toMatchObject({ code: "UPSTREAM_ERROR", status: 500 });
    expect(upstream.getsOf("broken")).toHaveLength(5);
  });
});
