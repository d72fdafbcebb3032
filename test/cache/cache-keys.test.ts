import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { createGate, until, type Gate } from "../helpers/gate.js";
import { createEchoTrestle, type EchoWorld, readAs, restAs, startEchoUpstream } from "./echo-fixture.js";

let world: EchoWorld;
let trestle: Trestle;

beforeAll(async () => {
  world = await startEchoUpstream();
});
afterAll(async () => {
  await world.upstream.close();
});
beforeEach(async () => {
  world.upstream.requests.length = 0;
  world.served = 0;
  world.hold = () => Promise.resolve();
  trestle = await createEchoTrestle(world);
});
afterEach(async () => {
  await trestle.close();
});

/**
 * Holds every upstream answer until the test opens the gate, once the reads it sent are where
 * it expects them (joined to a call in flight: `trestle.cache.joined`; or at the upstream).
 */
function holdAnswers(): Gate {
  const gate = createGate();
  world.hold = () => gate.opened;
  return gate;
}

/** Sends `reads`, waits until `ready()` holds with every answer held, then lets the answers go. */
async function meet<T extends unknown[]>(
  reads: () => [...{ [K in keyof T]: Promise<T[K]> }],
  ready: () => boolean,
  what: string,
): Promise<T> {
  const gate = holdAnswers();
  const pending = Promise.all(reads()) as Promise<T>;
  await until(ready, what);
  gate.open();
  return pending;
}

const identities: Array<[string, (who: string) => Record<string, string>, "seenAuth" | "seenCookie" | "seenKey" | "seenTenant"]> = [
  ["authorization", (who) => ({ authorization: `Bearer ${who}` }), "seenAuth"],
  ["cookie", (who) => ({ cookie: `session=${who}` }), "seenCookie"],
  ["x-api-key (identity: true)", (who) => ({ "x-api-key": `key-${who}` }), "seenKey"],
  ["x-tenant (unmarked, forwarded from the client)", (who) => ({ "x-tenant": `tenant-${who}` }), "seenTenant"],
];

describe("C15: identity headers and content-negotiation headers", () => {
  for (const [name, headersOf, seenAs] of identities) {
    it(`C15: with ${name}, A's public answer never reaches B (GraphQL and passthrough)`, async () => {
      const a = headersOf("A");
      const b = headersOf("B");
      const aGraphQL = await readAs(trestle, "read", "public", "1", a);
      const bGraphQL = await readAs(trestle, "read", "public", "1", b);
      const aRest = await restAs(trestle, "public", "1", a);
      const bRest = await restAs(trestle, "public", "1", b);
      expect(aGraphQL.seen[seenAs]).toBe(a[Object.keys(a)[0]!]);
      expect(bGraphQL.seen[seenAs]).toBe(b[Object.keys(b)[0]!]);
      // Passthrough and GraphQL share the one cache: each identity's entry, never the other's.
      expect(aRest.seen).toEqual(aGraphQL.seen);
      expect(bRest.seen).toEqual(bGraphQL.seen);
      expect(aRest.cacheStatus).toContain("hit");
      expect(world.upstream.requests).toHaveLength(2);
      // And an anonymous caller gets neither.
      const anonymous = await restAs(trestle, "public", "1");
      expect(anonymous.seen[seenAs]).toBeNull();
      expect(anonymous.seen.serial).toBe(3);
    });
  }

  it("C15: equal accept-language values share one entry, different ones do not; it identifies no one", async () => {
    const en1 = await readAs(trestle, "read", "public", "1", { "accept-language": "en" });
    const en2 = await restAs(trestle, "public", "1", { "accept-language": "en" });
    const fr = await readAs(trestle, "read", "public", "1", { "accept-language": "fr" });
    expect(en1.seen).toMatchObject({ seenLang: "en", serial: 1 });
    expect(en2.seen).toMatchObject({ seenLang: "en", serial: 1 });
    expect(fr.seen).toMatchObject({ seenLang: "fr", serial: 2 });
    expect(world.upstream.requests.map((r) => r.headers["accept-language"])).toEqual(["en", "fr"]);
    // Node's fetch sends `accept-language: *` on every request: 20 such callers make one call.
    world.upstream.requests.length = 0;
    await Promise.all(Array.from({ length: 20 }, () => readAs(trestle, "read", "public", "2", { "accept-language": "*" })));
    expect(world.calls("/r/public/2")).toHaveLength(1);
    // Varying, not identity: even where scope: PUBLIC shares across identities, languages stay apart.
    await readAs(trestle, "shared", "public", "3", { authorization: "Bearer A", "accept-language": "en" });
    const frB = await readAs(trestle, "shared", "public", "3", { authorization: "Bearer B", "accept-language": "fr" });
    const enB = await readAs(trestle, "shared", "public", "3", { authorization: "Bearer B", "accept-language": "en" });
    expect(frB.seen).toMatchObject({ seenLang: "fr", seenAuth: "Bearer B" });
    expect(enB.seen).toMatchObject({ seenLang: "en", seenAuth: "Bearer A" });
  });

  it("C15: an identity: false header only varies the key: shared between anonymous callers with the same value", async () => {
    const a = await readAs(trestle, "lang", "public", "1", { "x-lang": "de" });
    const b = await readAs(trestle, "lang", "public", "1", { "x-lang": "de" });
    const c = await readAs(trestle, "lang", "public", "1", { "x-lang": "it" });
    expect([a.seen.serial, b.seen.serial, c.seen.serial]).toEqual([1, 1, 2]);
    expect(c.seen.seenXLang).toBe("it");
    expect(b.status).toBe("hit");
    await readAs(trestle, "lang", "public", "2", { "x-lang": "de", authorization: "Bearer A" });
    expect((await readAs(trestle, "lang", "public", "2", { "x-lang": "de", authorization: "Bearer B" })).seen.seenAuth).toBe("Bearer B");
  });
});

describe("C16: trace headers never enter a key", () => {
  it("C16: different traceparent and x-request-id values share one entry (GraphQL and passthrough)", async () => {
    const t1 = await readAs(trestle, "read", "public", "1", {
      traceparent: "00-11111111111111111111111111111111-1111111111111111-01",
      "x-request-id": "r1",
    });
    const t2 = await readAs(trestle, "read", "public", "1", {
      traceparent: "00-22222222222222222222222222222222-2222222222222222-01",
      "x-request-id": "r2",
    });
    const t3 = await restAs(trestle, "public", "1", { traceparent: "00-33333333333333333333333333333333-3333333333333333-01" });
    expect(t2.status).toBe("hit");
    expect(t3.cacheStatus).toContain("hit");
    expect([t1.seen.serial, t2.seen.serial, t3.seen.serial]).toEqual([1, 1, 1]);
  });

  it("C16: each call upstream still carries its own traceparent", async () => {
    const ids = ["a", "b", "c"].map((c) => `00-${c.repeat(32)}-${c.repeat(16)}-01`);
    for (const traceparent of ids) await readAs(trestle, "read", "none", "1", { traceparent });
    await restAs(trestle, "none", "1", { traceparent: `00-${"d".repeat(32)}-${"d".repeat(16)}-01` });
    expect(world.calls("/r/none/1").map((r) => r.headers["traceparent"])).toEqual([...ids, `00-${"d".repeat(32)}-${"d".repeat(16)}-01`]);
  });
});

describe("C17: reads under equal keys coalesce, identity included", () => {
  it("C17: 30 concurrent reads with one authorization make 1 call", async () => {
    const results = await meet(
      () => Array.from({ length: 30 }, () => readAs(trestle, "read", "public", "1", { authorization: "Bearer SAME" })),
      () => trestle.cache.joined === 29,
      "29 reads joining the first one's call",
    );
    expect(world.calls("/r/public/1")).toHaveLength(1);
    expect(results.every((r) => r.seen.seenAuth === "Bearer SAME" && r.seen.serial === 1)).toBe(true);
    expect(results.filter((r) => r.status === "coalesced")).toHaveLength(29);
  });

  it("C17: one caller asking twice at once for an answer that is not stored makes one call", async () => {
    const [a, b] = await meet(
      () => [
        readAs(trestle, "read", "none", "1", { authorization: "Bearer SAME" }),
        readAs(trestle, "read", "none", "1", { authorization: "Bearer SAME" }),
      ],
      () => trestle.cache.joined === 1,
      "the second read joining the first one's call",
    );
    expect(world.calls("/r/none/1")).toHaveLength(1);
    expect([a.status, b.status].sort()).toEqual(["coalesced", "miss"]);
  });

  it("C17: 30 concurrent reads with 30 different authorizations make 30 calls, each answered with its own data", async () => {
    const who = Array.from({ length: 30 }, (_, i) => `Bearer USER-${i}`);
    const results = await meet(
      () => who.map((authorization) => readAs(trestle, "read", "public", "1", { authorization })),
      () => world.calls("/r/public/1").length === 30,
      "30 calls at the upstream, all held",
    );
    expect(trestle.cache.joined).toBe(0);
    expect(world.calls("/r/public/1")).toHaveLength(30);
    expect(results.map((r) => r.seen.seenAuth)).toEqual(who);
    expect(new Set(results.map((r) => r.seen.serial)).size).toBe(30);
  });
});

describe("C18: the schema's @cache wins over the upstream's Cache-Control", () => {
  for (const mode of ["nostore", "nocache", "none"]) {
    it(`C18: @cache(maxAge: 30) over ${mode} makes 1 call for 2 reads (and without @cache, 2)`, async () => {
      await readAs(trestle, "held", mode, "1");
      const second = await readAs(trestle, "held", mode, "1");
      expect(second.status).toBe("hit");
      expect(world.calls(`/r/${mode}/1`)).toHaveLength(1);
      await readAs(trestle, "read", mode, "2");
      await readAs(trestle, "read", mode, "2");
      expect(world.calls(`/r/${mode}/2`)).toHaveLength(2);
    });
  }

  it("C18: over no-store, still per identity without scope: PUBLIC", async () => {
    await readAs(trestle, "held", "nostore", "1", { authorization: "Bearer A" });
    const b = await readAs(trestle, "held", "nostore", "1", { authorization: "Bearer B" });
    expect(b.seen.seenAuth).toBe("Bearer B");
    expect((await readAs(trestle, "held", "nostore", "1", { authorization: "Bearer A" })).seen).toMatchObject({
      seenAuth: "Bearer A",
      serial: 1,
    });
  });

  it("C18: the upstream's private keeps an answer per identity, unstored without credentials, unless scope: PUBLIC", async () => {
    await readAs(trestle, "held", "private", "1");
    await readAs(trestle, "held", "private", "1");
    expect(world.calls("/r/private/1")).toHaveLength(2);
    await readAs(trestle, "held", "private", "2", { authorization: "Bearer A" });
    expect((await readAs(trestle, "held", "private", "2", { authorization: "Bearer B" })).seen.seenAuth).toBe("Bearer B");
    await readAs(trestle, "shared", "private", "3", { authorization: "Bearer A" });
    expect((await readAs(trestle, "shared", "private", "3", { authorization: "Bearer B" })).seen).toMatchObject({
      seenAuth: "Bearer A",
      serial: 5,
    });
  });
});

describe("C19: the upstream's public no longer shares a credentialed answer", () => {
  it("C19: public, max-age=60 to A is not served to B, through GraphQL or passthrough", async () => {
    await readAs(trestle, "read", "public", "1", { authorization: "Bearer A" });
    const b = await readAs(trestle, "read", "public", "1", { authorization: "Bearer B" });
    const bRest = await restAs(trestle, "public", "1", { authorization: "Bearer B" });
    const c = await restAs(trestle, "public", "1", { authorization: "Bearer C" });
    expect(b.seen.seenAuth).toBe("Bearer B");
    expect(bRest.seen).toEqual(b.seen);
    expect(c.seen.seenAuth).toBe("Bearer C");
    expect(world.calls("/r/public/1")).toHaveLength(3);
  });

  it("C19: an anonymous answer is not served to a caller with credentials, nor theirs to an anonymous one", async () => {
    await readAs(trestle, "read", "public", "1");
    expect((await readAs(trestle, "read", "public", "1", { authorization: "Bearer A" })).seen.seenAuth).toBe("Bearer A");
    await readAs(trestle, "shared", "public", "2", { authorization: "Bearer A" });
    // An answer shared under one field's scope: PUBLIC is not served to a field (or route) that did not say so.
    expect((await restAs(trestle, "public", "2")).seen.seenAuth).toBeNull();
  });
});

describe("S03: coalescing honours Vary", () => {
  it("S03: under scope: PUBLIC, concurrent A and B on a Vary: Authorization answer each get their own", async () => {
    const [a, b] = await meet(
      () => [
        readAs(trestle, "shared", "vary", "1", { authorization: "Bearer A" }),
        readAs(trestle, "shared", "vary", "1", { authorization: "Bearer B" }),
      ],
      () => trestle.cache.joined === 1,
      "B joining A's call (PUBLIC: one flight across identities)",
    );
    expect(a.seen.seenAuth).toBe("Bearer A");
    expect(b.seen.seenAuth).toBe("Bearer B");
    expect(world.calls("/r/vary/1")).toHaveLength(2);
    // Stored per variant: each hits its own, a third identity misses.
    expect((await readAs(trestle, "shared", "vary", "1", { authorization: "Bearer B" })).seen).toEqual(b.seen);
    expect((await readAs(trestle, "shared", "vary", "1", { authorization: "Bearer C" })).seen.seenAuth).toBe("Bearer C");
  });

  it("S03: waiters with the same Vary values still share the one call", async () => {
    const results = await meet(
      () => ["Bearer A", "Bearer A", "Bearer A"].map((authorization) => readAs(trestle, "shared", "vary", "2", { authorization })),
      () => trestle.cache.joined === 2,
      "two reads joining the first one's call",
    );
    expect(world.calls("/r/vary/2")).toHaveLength(1);
    expect(results.every((r) => r.seen.seenAuth === "Bearer A")).toBe(true);
  });
});

describe("S04: the GraphQL response's Cache-Control stays honest", () => {
  it("S04: a credentialed read of an upstream public + Vary: Authorization answer is not labelled public", async () => {
    const a = await readAs(trestle, "read", "vary", "1", { authorization: "Bearer A" });
    expect(a.cacheControl).toBeNull();
    const hit = await readAs(trestle, "read", "vary", "1", { authorization: "Bearer A" });
    expect(hit.status).toBe("hit");
    expect(hit.cacheControl).toBeNull();
  });

  it("S04: a read whose path uses {header.X} is not labelled public (no identity header sent)", async () => {
    const eu = await readAs(trestle, "regionPath", "", "1", { "x-region": "eu" });
    expect(eu.seen.seenTenant).toBe("eu");
    expect(eu.cacheControl).toBeNull();
    const euAgain = await readAs(trestle, "regionPath", "", "1", { "x-region": "eu" });
    expect(euAgain.status).toBe("hit");
    expect(euAgain.cacheControl).toBeNull();
    expect((await readAs(trestle, "regionPath", "", "1", { "x-region": "us" })).seen.seenTenant).toBe("us");
  });

  it("S04: under scope: PUBLIC, an answer that varies on Authorization says Vary: authorization", async () => {
    const a = await readAs(trestle, "shared", "vary", "1", { authorization: "Bearer A" });
    expect(a.cacheControl).toMatch(/^public, max-age=\d+$/);
    expect(a.vary?.split(/,\s*/)).toContain("authorization");
    // A PUBLIC answer that varies on nothing needs no Vary for identities.
    const plain = await readAs(trestle, "shared", "plain", "1", { authorization: "Bearer A" });
    expect(plain.cacheControl).toMatch(/^public/);
    expect(plain.vary ?? "").not.toContain("authorization");
  });

  it("C22: a public answer that varied on forwarded headers says Vary for each of them", async () => {
    const answer = await readAs(trestle, "lang", "plain", "1", { "x-lang": "de", "accept-language": "de" });
    expect(answer.cacheControl).toMatch(/^public, max-age=\d+$/);
    const vary = answer.vary?.split(/,\s*/) ?? [];
    // The varying headers, and the identity headers an anonymous answer was made without.
    expect(vary).toEqual(expect.arrayContaining(["x-lang", "accept-language", "authorization", "cookie", "x-api-key", "x-tenant"]));
    expect(vary).not.toContain("traceparent");
  });

  it("S04/C22: GraphQL over GET (through yoga) says the same: private for a credentialed Vary answer, Vary for varying headers", async () => {
    const get = async (document: string, headers: Record<string, string>) => {
      const response = await trestle.fetch(
        new Request(`http://trestle.test/graphql?query=${encodeURIComponent(document)}`, {
          headers: { accept: "application/graphql-response+json", ...headers },
        }),
      );
      const body = (await response.json()) as { data?: { x?: { seenAuth: string | null } } };
      return { body, cacheControl: response.headers.get("cache-control"), vary: response.headers.get("vary") ?? "" };
    };
    const credentialed = await get(`{ x: read(mode: "vary", id: "g1") { seenAuth } }`, { authorization: "Bearer A" });
    expect(credentialed.body.data?.x?.seenAuth).toBe("Bearer A");
    expect(credentialed.cacheControl).toBeNull();
    const region = await get(`{ x: regionPath(id: "g2") { seenAuth } }`, { "x-region": "eu" });
    expect(region.cacheControl).toBeNull();
    const varied = await get(`{ x: lang(mode: "plain", id: "g3") { seenAuth } }`, { "x-lang": "de" });
    expect(varied.cacheControl).toMatch(/^public, max-age=\d+$/);
    expect(varied.vary.toLowerCase().split(/,\s*/)).toContain("x-lang");
  });

  it("S04: a normal anonymous read is still public afterwards", async () => {
    await readAs(trestle, "read", "vary", "1", { authorization: "Bearer A" });
    expect((await readAs(trestle, "read", "plain", "9")).cacheControl).toMatch(/^public, max-age=\d+$/);
  });
});
