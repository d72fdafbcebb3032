import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Trestle, TrestleOptions } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { query } from "../helpers/graphql.js";
import { sendJson, startTestUpstream, type RecordedRequest, type TestUpstream } from "../helpers/test-upstream.js";
import type { ServerResponse } from "node:http";

/**
 * `dedupe` (issue 26 item 2, docs/result-cache.md): identical reads in flight at the same moment
 * are sent once and every caller takes the answer, even one that is not stored (no-store). The
 * upstream holds every answer until the test has seen the callers join (no timers).
 */
const schema = (dedupe: string, field = "") => /* GraphQL */ `
  extend schema
    @upstream(
      name: "api"
      baseUrl: "{env.API_URL}"
      retry: { attempts: 0 }
      headers: [{ name: "authorization", from: "authorization" }]
      ${dedupe}
    )
  type Query {
    slow(id: String!): Answer @rest(path: "/slow/{args.id}"${field})
  }
  type Answer {
    id: String
    serial: Int
    seenAuth: String
  }
`;

let upstream: TestUpstream;
let served = 0;
let release: () => void = () => undefined;
let released: Promise<void> = Promise.resolve();
/** Extra answer headers for the next test's answers. */
let extra: Record<string, string> = {};

beforeAll(async () => {
  upstream = await startTestUpstream(async (req: RecordedRequest, res: ServerResponse) => {
    const serial = ++served;
    await released;
    const id = req.url.split("/")[2] ?? "";
    sendJson(res, 200, { id, serial, seenAuth: req.headers.authorization ?? null }, { "cache-control": "no-store", ...extra });
  });
});
afterAll(() => upstream.close());
beforeEach(() => {
  upstream.requests.length = 0;
  served = 0;
  extra = {};
  released = new Promise<void>((resolve) => (release = resolve));
});

const make = (dedupe: string, options: Partial<TrestleOptions> = {}, field = "") =>
  createTestTrestle(schema(dedupe, field), { env: { API_URL: upstream.url }, ...options });
const slow = (trestle: Trestle, id: string, headers: Record<string, string> = {}) =>
  query(trestle, `query S($id: String!) { slow(id: $id) { id serial seenAuth } }`, { id }, headers);

/** Waits (bounded) for a condition the test can only observe by asking; each turn lets pending I/O run. */
async function waitUntil(condition: () => boolean, what: string): Promise<void> {
  for (let turn = 0; turn < 2000; turn++) {
    if (condition()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`gave up waiting: ${what}`);
}

/** `n` identical reads at once; the upstream answers once `n - 1` of them joined the first (the cache's `joined` count). */
async function concurrent(trestle: Trestle, n: number, headersOf: (i: number) => Record<string, string> = () => ({})) {
  const joinedBefore = trestle.cache.joined;
  const reads = Array.from({ length: n }, (_, i) => slow(trestle, "hot", headersOf(i)));
  await upstream.waitForRequests(1);
  return { reads, joined: () => trestle.cache.joined - joinedBefore };
}

describe("dedupe", () => {
  it("DD01: 20 identical reads of a no-store answer in flight at once make 1 upstream call with dedupe", async () => {
    const trestle = await make("dedupe: true");
    try {
      const { reads, joined } = await concurrent(trestle, 20);
      await waitUntil(() => joined() === 19, "19 reads joined the first");
      release();
      const results = await Promise.all(reads);
      expect(upstream.requests).toHaveLength(1);
      for (const result of results) expect(result.data).toEqual({ slow: { id: "hot", serial: 1, seenAuth: null } });
      // Nothing was stored: the next read goes upstream.
      await slow(trestle, "hot");
      expect(upstream.requests).toHaveLength(2);
    } finally {
      await trestle.close();
    }
  });

  it("DD02: off by default: the same 20 reads make 20 upstream calls (each coalesced caller sends its own)", async () => {
    const trestle = await make("");
    try {
      const { reads, joined } = await concurrent(trestle, 20);
      await waitUntil(() => joined() === 19, "19 reads joined the first");
      release();
      const results = await Promise.all(reads);
      expect(upstream.requests).toHaveLength(20);
      expect(new Set(results.map((r) => (r.data?.["slow"] as { serial: number }).serial)).size).toBe(20);
    } finally {
      await trestle.close();
    }
  });

  it("DD03: never shared across identities: each identity's callers share only their own call", async () => {
    const trestle = await make("dedupe: true");
    try {
      const tokens = ["Bearer alice", "Bearer mallory", "bearer alice"];
      const { reads, joined } = await concurrent(trestle, 18, (i) => ({ authorization: tokens[i % 3]! }));
      await waitUntil(() => joined() === 15 && upstream.requests.length === 3, "15 reads joined their identity's call");
      release();
      const results = await Promise.all(reads);
      expect(upstream.requests).toHaveLength(3);
      results.forEach((result, i) => expect((result.data?.["slow"] as { seenAuth: string }).seenAuth).toBe(tokens[i % 3]));
    } finally {
      await trestle.close();
    }
  });

  it("DD04: an answer that sets a cookie is never given to another caller, even with dedupe", async () => {
    const trestle = await make("dedupe: true");
    try {
      extra = { "set-cookie": "session=first" };
      const { reads, joined } = await concurrent(trestle, 5);
      await waitUntil(() => joined() === 4, "4 reads joined the first");
      release();
      await Promise.all(reads);
      expect(upstream.requests).toHaveLength(5);
    } finally {
      await trestle.close();
    }
  });

  it("DD05: @rest(dedupe: false) turns it off for one field; @rest(dedupe: true) turns it on", async () => {
    for (const [upstreamSetting, field, calls] of [
      ["dedupe: true", ", dedupe: false", 6],
      ["", ", dedupe: true", 1],
    ] as const) {
      upstream.requests.length = 0;
      released = new Promise<void>((resolve) => (release = resolve));
      const trestle = await make(upstreamSetting, {}, field);
      try {
        const { reads, joined } = await concurrent(trestle, 6);
        await waitUntil(() => joined() === 5, "5 reads joined the first");
        release();
        await Promise.all(reads);
        expect(upstream.requests).toHaveLength(calls);
      } finally {
        await trestle.close();
      }
    }
  });

  it("DD06: with cache.enabled false, dedupe still sends identical reads in flight once (nothing stored)", async () => {
    let contexts = 0;
    const trestle = await make("dedupe: true", { cache: { enabled: false }, context: () => (contexts++, {}) });
    try {
      const reads = Array.from({ length: 10 }, () => slow(trestle, "hot"));
      await upstream.waitForRequests(1);
      // No join counter without the cache: every operation has made its context, then its read is in flight.
      await waitUntil(() => contexts === 10, "10 operations started");
      for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
      release();
      const results = await Promise.all(reads);
      expect(upstream.requests).toHaveLength(1);
      for (const result of results) expect(result.data).toEqual({ slow: { id: "hot", serial: 1, seenAuth: null } });
    } finally {
      await trestle.close();
    }
  });

  it("DD07: dedupe: a value that is not a Boolean is a schema error naming it", async () => {
    await expect(make(`dedupe: "yes"`)).rejects.toThrow(/dedupe/);
    const trestle = await make("dedupe: true");
    try {
      release();
      expect((await slow(trestle, "ok")).data).toEqual({ slow: { id: "ok", serial: 1, seenAuth: null } });
    } finally {
      await trestle.close();
    }
  });
});
