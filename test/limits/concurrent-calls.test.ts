import { getEventListeners } from "node:events";
import type { ServerResponse } from "node:http";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import type { GraphQLResult } from "../helpers/graphql.js";
import { sendJson, startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";

// S05: one operation's calls to one upstream are capped at limits.maxConcurrentCallsPerUpstream
// (16); the rest wait inside the operation, so its fan-out never fills the upstream's bulkhead
// (here maxConcurrency 17, 68 waiting: 85 slots for a 100-call operation) and other clients
// are still served.
let upstream: TestUpstream;
let trestle: Trestle;

/** `/users/b-*` answers are held while `holding`; the upstream counts those in flight. */
const gate = {
  holding: true,
  held: [] as ServerResponse[],
  inFlight: 0,
  maxInFlight: 0,
  waiters: [] as Array<{ count: number; resolve: () => void }>,
  /** Resolves once `count` held answers are waiting. */
  heldReach(count: number): Promise<void> {
    return new Promise((resolve) => {
      this.waiters.push({ count, resolve });
      this.notify();
    });
  },
  notify() {
    this.waiters = this.waiters.filter((waiter) => (this.held.length >= waiter.count ? void waiter.resolve() : true));
  },
  /** Counts a request in flight until its answer is written (or its client leaves). */
  arrive(res: ServerResponse) {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    let done = false;
    const leave = () => {
      if (!done) this.inFlight--;
      done = true;
    };
    res.once("finish", leave).once("close", leave);
  },
  answer(res: ServerResponse, id: string) {
    if (!res.destroyed) sendJson(res, 200, { id, name: `user ${id}` });
  },
  release() {
    this.holding = false;
    for (const res of this.held.splice(0)) this.answer(res, "b");
  },
};

const sdl = (url: string) => /* GraphQL */ `
  extend schema @upstream(name: "api", baseUrl: "${url}", maxConcurrency: 17, retry: { attempts: 0 }, breaker: { failures: 0 })
  type Query {
    users(first: Int): [User!]! @rest(path: "/users?first={args.first}")
    user(id: ID!): User @rest(path: "/users/{args.id}")
  }
  type User { id: ID!, name: String, best: User @rest(path: "/users/{parent.best_id}") }
`;

beforeAll(async () => {
  upstream = await startTestUpstream((req, res) => {
    const url = new URL(req.url, "http://upstream");
    const first = Number(url.searchParams.get("first"));
    if (url.pathname === "/users") {
      return sendJson(
        res,
        200,
        Array.from({ length: first }, (_, i) => ({ id: `u${i}`, best_id: `b-${first}-${i}` })),
      );
    }
    const id = url.pathname.split("/")[2] ?? "";
    if (!id.startsWith("b-")) return sendJson(res, 200, { id, name: `user ${id}` });
    gate.arrive(res);
    if (!gate.holding) return gate.answer(res, id);
    gate.held.push(res);
    gate.notify();
  });
  trestle = await createTestTrestle(sdl(upstream.url));
});
afterAll(async () => {
  gate.release();
  await trestle.close();
  await upstream.close();
});
beforeEach(() => {
  gate.release();
  upstream.requests.length = 0;
  Object.assign(gate, { holding: true, held: [], inFlight: 0, maxInFlight: 0, waiters: [] });
});

type Lane = "POST" | "GET";

/** A JSON POST (the fast lane) or a GET (yoga's lane). */
async function send(lane: Lane, document: string, signal?: AbortSignal): Promise<GraphQLResult> {
  const accept = "application/graphql-response+json, application/json";
  const request =
    lane === "POST"
      ? new Request("http://t.test/graphql", {
          method: "POST",
          headers: { "content-type": "application/json", accept },
          body: JSON.stringify({ query: document }),
          signal: signal ?? null,
        })
      : new Request(`http://t.test/graphql?${new URLSearchParams({ query: document })}`, { headers: { accept }, signal: signal ?? null });
  const response = await trestle.fetch(request);
  return { status: response.status, ...((await response.json()) as Omit<GraphQLResult, "status">) };
}

const fanOut = `{ users(first: 100) { id best { id } } }`;
const bestCalls = () => upstream.requests.filter((r) => r.url.startsWith("/users/b-")).length;

describe("S05: one operation's concurrent calls per upstream", () => {
  it.each<Lane>(["POST", "GET"])(
    "S05 (%s): a 100-call fan-out has at most 16 calls in flight; the rest wait and all succeed; another user is served meanwhile",
    async (lane) => {
      const attack = send(lane, fanOut);
      await gate.heldReach(16);
      expect(bestCalls()).toBe(16);
      // The bulkhead still has room: a normal user's call is sent and answered at once.
      const normal = await send(lane, `{ user(id: "n1") { id name } }`);
      expect(normal).toEqual({ status: 200, data: { user: { id: "n1", name: "user n1" } } });
      gate.release();
      const result = await attack;
      expect(result.errors).toBeUndefined();
      expect(result.data?.["users"]).toHaveLength(100);
      expect(bestCalls()).toBe(100);
      expect(gate.maxInFlight).toBe(16);
    },
  );

  it.each<Lane>(["POST", "GET"])("S05 (%s): a client that leaves abandons its queued calls: they are never sent", async (lane) => {
    const controller = new AbortController();
    const attack = send(lane, fanOut, controller.signal).catch((error: unknown) => error);
    await gate.heldReach(16);
    controller.abort();
    await attack;
    gate.release();
    expect(bestCalls()).toBe(16);
    const normal = await send(lane, `{ user(id: "n2") { id } }`);
    expect(normal).toEqual({ status: 200, data: { user: { id: "n2" } } });
  });

  it("S05: 16 calls in flight listen to the WHATWG request's signal through one listener (no leak warning per request)", async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on("warning", onWarning);
    try {
      const request = new Request("http://t.test/graphql", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: fanOut }),
      });
      const attack = trestle.fetch(request);
      await gate.heldReach(16);
      expect(getEventListeners(request.signal, "abort")).toHaveLength(1);
      gate.release();
      const result = (await (await attack).json()) as GraphQLResult;
      expect(result.errors).toBeUndefined();
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).not.toContain("MaxListenersExceededWarning");
    } finally {
      process.off("warning", onWarning);
    }
  });

  it("S05: the cap is per operation: with a cap of 4, two operations have 4 calls in flight each", async () => {
    const other = await createTestTrestle(sdl(upstream.url), { limits: { maxConcurrentCallsPerUpstream: 4 } });
    const first = other.fetch(
      new Request("http://t.test/graphql", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: `{ users(first: 10) { best { id } } }` }),
      }),
    );
    await gate.heldReach(4);
    const second = other.fetch(
      new Request("http://t.test/graphql", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: `{ users(first: 11) { best { id } } }` }),
      }),
    );
    await gate.heldReach(8);
    expect(bestCalls()).toBe(8);
    gate.release();
    const answers = (await Promise.all([first, second].map(async (r) => (await r).json()))) as GraphQLResult[];
    await other.close();
    for (const answer of answers) expect(answer.errors).toBeUndefined();
    expect(gate.maxInFlight).toBe(8);
  });
});
