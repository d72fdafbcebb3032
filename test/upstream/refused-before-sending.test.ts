import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UpstreamError } from "../../src/errors.js";
import { Resilience } from "../../src/upstream/create-resilience.js";
import { refusedBeforeSending } from "../../src/upstream/refused-before-sending.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { query } from "../helpers/graphql.js";
import { sendJson, startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";

// S01: a request the HTTP client refuses before sending (undici's InvalidArgumentError) used
// to be UPSTREAM_UNAVAILABLE: retried, and counted by the breaker, so five of them opened it
// for everyone. It is UPSTREAM_REQUEST_INVALID now: neither retried nor counted.

let upstream: TestUpstream;
beforeAll(async () => {
  upstream = await startTestUpstream((req, res) => sendJson(res, 200, { id: req.url }));
});
afterAll(async () => upstream.close());

describe("S01: refused before sending", () => {
  it("S01: is not retried and never opens the breaker (one failure would)", async () => {
    const resilience = new Resilience(
      "api",
      { retries: 2, backoffMs: 1, maxRetryAfterMs: 1000, breakerFailures: 1, breakerResetMs: 60_000, maxConcurrency: 2, maxQueue: 8 },
      { timeoutMs: 1000 },
    );
    let attempts = 0;
    for (let i = 0; i < 10; i++) {
      const error = await resilience
        .run("GET", async () => {
          attempts++;
          throw refusedBeforeSending("api", "GET /x", Object.assign(new Error("invalid x-bad header"), { code: "UND_ERR_INVALID_ARG" }));
        })
        .catch((e: unknown) => e);
      expect((error as UpstreamError).code).toBe("UPSTREAM_REQUEST_INVALID");
    }
    expect(attempts).toBe(10);
    expect(resilience.breakerOpen).toBe(false);
    expect(await resilience.run("GET", async () => ({ status: 200, headers: {} }))).toEqual({ status: 200, headers: {} });
  });

  it("S01: through the app's fetch, an InvalidArgumentError cause answers UPSTREAM_REQUEST_INVALID, and the next call is served", async () => {
    let refuse = true;
    let calls = 0;
    const trestle = await createTestTrestle(
      `extend schema @upstream(name: "api", baseUrl: "${upstream.url}", breaker: { failures: 1 })
       type Query { item(id: String!): Item @rest(path: "/items/{args.id}") }
       type Item { id: String }`,
      {
        cache: { enabled: false },
        fetch: async (input, init) => {
          calls++;
          if (refuse)
            throw new TypeError("fetch failed", { cause: Object.assign(new Error("invalid header"), { code: "UND_ERR_INVALID_ARG" }) });
          return fetch(input, init);
        },
      },
    );
    for (let i = 0; i < 6; i++) {
      const result = await query(trestle, `{ item(id: "${i}") { id } }`);
      expect(result.errors?.[0]).toMatchObject({
        message: 'The HTTP client refused the request to upstream "api" before sending it; nothing was sent.',
        extensions: { code: "UPSTREAM_REQUEST_INVALID", upstream: "api" },
      });
    }
    expect(calls).toBe(6);
    refuse = false;
    expect((await query(trestle, `{ item(id: "ok") { id } }`)).data).toEqual({ item: { id: "/items/ok" } });
    await trestle.close();
  });
});
