import type { ServerResponse } from "node:http";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { UpstreamError } from "../../src/errors.js";
import type { Trestle } from "../../src/index.js";
import type { ResiliencePlan } from "../../src/plan/schema-plan.js";
import { Resilience } from "../../src/upstream/create-resilience.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { query } from "../helpers/graphql.js";
import { sendJson, startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";

// S01: /readyz says which upstreams are stuck ({ status, details: { upstreams, cache } }),
// and answers 503 when every one of them is.

let upstream: TestUpstream;
/** Base paths whose requests are held unanswered, and the requests held. */
const hanging = new Set<string>();
const held: ServerResponse[] = [];

beforeAll(async () => {
  upstream = await startTestUpstream((req, res) => {
    if (hanging.has(req.url.split("/")[1] ?? "")) held.push(res);
    else sendJson(res, 200, { id: req.url });
  });
});
afterAll(async () => upstream.close());

async function readyz(
  trestle: Trestle,
): Promise<{ status: number; body: { status: string; details: { upstreams: Record<string, string>; cache: string } } }> {
  const response = await trestle.fetch(new Request("http://trestle.test/readyz"));
  return { status: response.status, body: (await response.json()) as never };
}

describe("S01: /readyz and stuck upstreams", () => {
  it("S01: reports an upstream that stops answering as stuck (503 once every upstream is), and ok again once it recovers", async () => {
    const trestle = await createTestTrestle(/* GraphQL */ `
      extend schema
        @upstream(name: "a", baseUrl: "${upstream.url}/a", maxConcurrency: 1, timeoutMs: 300, retry: { attempts: 0 }, breaker: { failures: 1, resetMs: 400 })
        @upstream(name: "b", baseUrl: "${upstream.url}/b", maxConcurrency: 1, timeoutMs: 300, retry: { attempts: 0 }, breaker: { failures: 1, resetMs: 400 })
      type Query { a: Item @rest(upstream: "a", path: "/x") b: Item @rest(upstream: "b", path: "/x") }
      type Item { id: String }
    `);
    expect(await readyz(trestle)).toEqual({
      status: 200,
      body: { status: "ready", details: { upstreams: { a: "ok", b: "ok" }, cache: "ok" } },
    });

    hanging.add("a");
    expect((await query(trestle, `{ a { id } }`)).errors?.[0]?.extensions?.["code"]).toBe("UPSTREAM_TIMEOUT");
    // One stuck, one serving: still ready.
    expect(await readyz(trestle)).toEqual({
      status: 200,
      body: { status: "ready", details: { upstreams: { a: "stuck", b: "ok" }, cache: "ok" } },
    });

    hanging.add("b");
    expect((await query(trestle, `{ b { id } }`)).errors?.[0]?.extensions?.["code"]).toBe("UPSTREAM_TIMEOUT");
    expect(await readyz(trestle)).toEqual({
      status: 503,
      body: { status: "ready", details: { upstreams: { a: "stuck", b: "stuck" }, cache: "ok" } },
    });

    hanging.clear();
    for (const res of held.splice(0)) res.destroy();
    // Once the breakers' reset time has passed, the next call is let through as a probe: ok again.
    await vi.waitFor(async () => expect((await readyz(trestle)).body.details.upstreams).toEqual({ a: "ok", b: "ok" }), {
      timeout: 5_000,
      interval: 50,
    });
    expect((await query(trestle, `{ a { id } b { id } }`)).data).toEqual({ a: { id: "/a/x" }, b: { id: "/b/x" } });
    expect(await readyz(trestle)).toEqual({
      status: 200,
      body: { status: "ready", details: { upstreams: { a: "ok", b: "ok" }, cache: "ok" } },
    });
    await trestle.close();
  });
});

describe("S01: Resilience.state", () => {
  const plan: ResiliencePlan = {
    retries: 0,
    backoffMs: 1,
    maxRetryAfterMs: 1000,
    breakerFailures: 0,
    breakerResetMs: 1000,
    maxConcurrency: 1,
    maxQueue: 4,
  };

  it("S01: every slot held past timeoutMs by an attempt that ignores its deadline (what a leaked undici request did) is stuck, and ok once it ends", async () => {
    const resilience = new Resilience("api", plan, { timeoutMs: 50 });
    const { attempt, started, finish } = heldAttempt();
    const deaf = resilience.run("GET", attempt);
    await started;
    expect(resilience.state()).toBe("ok");
    expect(resilience.state(performance.now() + 51)).toBe("stuck");
    finish();
    await deaf;
    expect(resilience.state(performance.now() + 51)).toBe("ok");
  });

  it("S01: a call that gives up waiting for a slot (UPSTREAM_OVERLOADED at its deadline) makes a saturated upstream stuck", async () => {
    const waiting = new Resilience("api", plan, { timeoutMs: 50 });
    // The slot's holder ignores its deadline, so the second call waits until its own passes.
    const { attempt, started, finish: release } = heldAttempt();
    const holder = waiting.run("GET", attempt);
    await started;
    const second = await waiting.run("GET", async () => ({ status: 200, headers: {} })).catch((error: unknown) => error);
    expect(second).toBeInstanceOf(UpstreamError);
    expect((second as UpstreamError).code).toBe("UPSTREAM_OVERLOADED");
    expect((second as UpstreamError).message).toBe(
      'Upstream "api" had no free connection for 50 ms (its timeoutMs); the call was not sent.',
    );
    expect(waiting.state()).toBe("stuck");
    release();
    await holder;
    expect(waiting.state()).toBe("ok");
  });
});

/** An attempt that runs until `finish()`, deaf to its deadline. */
function heldAttempt(): {
  attempt: () => Promise<{ status: number; headers: Record<string, string> }>;
  started: Promise<void>;
  finish: () => void;
} {
  let begin: () => void = () => undefined;
  let end: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (begin = resolve));
  const done = new Promise<void>((resolve) => (end = resolve));
  return {
    attempt: async () => {
      begin();
      await done;
      return { status: 200, headers: {} };
    },
    started,
    finish: () => end(),
  };
}
