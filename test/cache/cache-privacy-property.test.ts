import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { createEchoTrestle, type EchoWorld, readAs, restAs, type Seen, startEchoUpstream } from "./echo-fixture.js";

/**
 * C20: a randomized property test of the cache's privacy. 10,000 requests (four runs of
 * 2,500, each on a fresh instance) from 20 identities — each known by one of authorization,
 * cookie, x-api-key (identity: true) or x-tenant (unmarked), one anonymous — over a mix of
 * public, private, no-header, `Vary: Authorization` and plain answers, through GraphQL
 * fields with and without `@cache` and through passthrough, sent 100 at a time. Every answer
 * is checked against the identity that asked: the upstream echoes what it saw, so an answer
 * made for anyone else is a leak. Only a `@cache(scope: PUBLIC)` field may share across
 * identities, as declared — and even then never across `Vary: Authorization` values or
 * languages.
 */
const identityKinds = [
  ["authorization", "seenAuth", (i: number) => `Bearer user-${i}`],
  ["cookie", "seenCookie", (i: number) => `session=user-${i}`],
  ["x-api-key", "seenKey", (i: number) => `key-${i}`],
  ["x-tenant", "seenTenant", (i: number) => `tenant-${i}`],
] as const;
const seenIdentity = ["seenAuth", "seenCookie", "seenKey", "seenTenant"] as const;
const identities = 20;
const runs = 4;
const perRun = 2_500;
const concurrency = 100;

interface Ask {
  who: number;
  channel: "graphql" | "passthrough";
  field: "read" | "held" | "shared" | "lang";
  mode: "public" | "private" | "none" | "vary" | "plain";
  id: number;
  lang: "en" | "fr" | undefined;
}

const askArbitrary: fc.Arbitrary<Ask> = fc.record({
  who: fc.integer({ min: 0, max: identities - 1 }),
  channel: fc.constantFrom("graphql", "graphql", "passthrough"),
  field: fc.constantFrom("read", "held", "shared", "lang"),
  mode: fc.constantFrom("public", "private", "none", "vary", "plain"),
  id: fc.integer({ min: 1, max: 4 }),
  lang: fc.constantFrom("en", "fr", undefined),
});

/** The headers identity `who` sends: the last one is anonymous. */
function headersOf(ask: Ask, serial: number): Record<string, string> {
  const headers: Record<string, string> = { "x-request-id": `req-${serial}` };
  if (ask.lang !== undefined) headers["accept-language"] = ask.lang;
  if (ask.who === identities - 1) return headers;
  const [name, , value] = identityKinds[ask.who % identityKinds.length]!;
  headers[name] = value(ask.who);
  return headers;
}

/** Why the answer `seen` may not go to the asker, or undefined when it may. */
function leakOf(ask: Ask, seen: Seen, sent: Record<string, string>): string | undefined {
  if (seen.seenLang !== (ask.lang ?? null)) return `language ${String(seen.seenLang)} for a caller asking ${String(ask.lang)}`;
  const declaredPublic = ask.channel === "graphql" && ask.field === "shared";
  if (declaredPublic) {
    if (ask.mode === "vary" && seen.seenAuth !== (sent["authorization"] ?? null))
      return `Vary: Authorization answer for ${String(seen.seenAuth)}`;
    return undefined;
  }
  for (const [index, field] of seenIdentity.entries()) {
    const expected = sent[identityKinds[index]![0]] ?? null;
    if (seen[field] !== expected) return `${field} ${String(seen[field])} where the caller sent ${String(expected)}`;
  }
  return undefined;
}

let world: EchoWorld;
beforeAll(async () => {
  world = await startEchoUpstream();
});
afterAll(async () => {
  await world.upstream.close();
});

const seed = Number(process.env["C20_SEED"] ?? Date.now() % 2 ** 31);

it("C20: 10,000 concurrent requests from 20 identities, GraphQL and passthrough, over mixed answers: 0 leaks", async () => {
  let requests = 0;
  let upstreamCalls = 0;
  const leaks: string[] = [];
  await fc.assert(
    fc.asyncProperty(fc.array(askArbitrary, { minLength: perRun, maxLength: perRun }), async (asks) => {
      world.upstream.requests.length = 0;
      const trestle: Trestle = await createEchoTrestle(world);
      const found: string[] = [];
      try {
        for (let start = 0; start < asks.length; start += concurrency) {
          await Promise.all(
            asks.slice(start, start + concurrency).map(async (ask, offset) => {
              const sent = headersOf(ask, requests + start + offset);
              const seen =
                ask.channel === "graphql"
                  ? (await readAs(trestle, ask.field, ask.mode, String(ask.id), ask.field === "lang" ? { ...sent, "x-lang": "x" } : sent))
                      .seen
                  : (await restAs(trestle, ask.mode, String(ask.id), sent)).seen;
              const leak = leakOf(ask, seen, sent);
              if (leak !== undefined) found.push(`${JSON.stringify(ask)}: ${leak}`);
            }),
          );
        }
      } finally {
        await trestle.close();
      }
      requests += asks.length;
      upstreamCalls += world.upstream.requests.length;
      // Collected rather than failed here: a counterexample of 2,500 requests is unreadable; the seed replays it.
      leaks.push(...found);
    }),
    { numRuns: runs, seed },
  );
  const hitRate = 1 - upstreamCalls / requests;
  console.log(
    `C20: ${requests} requests, ${upstreamCalls} upstream calls, hit rate ${(hitRate * 100).toFixed(1)}%, leaks ${leaks.length} (seed ${seed}; replay with C20_SEED=${seed})`,
  );
  expect(leaks.length, leaks.slice(0, 5).join("\n")).toBe(0);
  expect(requests).toBe(runs * perRun);
  expect(hitRate).toBeGreaterThan(0);
}, 60_000);
