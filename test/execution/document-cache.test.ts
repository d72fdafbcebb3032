import { randomBytes } from "node:crypto";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { parse } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDocumentCache, estimateDocumentBytes } from "../../src/execution/create-document-cache.js";
import type { Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { sendJson, startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";
import { serveTrestle, type TrestleServer } from "../passthrough/raw-http.js";

describe("S06: createDocumentCache counts bytes, not documents", () => {
  it("S06: never holds more than its budget, however many documents come", () => {
    const cache = createDocumentCache<{ n: number }>({ maxBytes: 4 * 1024 * 1024 });
    for (let n = 0; n < 5000; n++) {
      const text = `{ a${n} ${"b ".repeat(n % 300)}}`;
      cache.set(text, { n }, estimateDocumentBytes(text, parse(text)));
      expect(cache.calculatedSize).toBeLessThanOrEqual(4 * 1024 * 1024);
      // The newest is always kept: older ones make room.
      expect(cache.get(text)).toEqual({ n });
    }
  });

  it("S06: does not keep a text longer than maxTextLength, nor an entry over an eighth of the budget", () => {
    const cache = createDocumentCache<{ n: number }>({ maxBytes: 80_000, maxTextLength: 100 });
    cache.set("x".repeat(101), { n: 1 }, 10);
    cache.set("y", { n: 2 }, 10_001);
    cache.set("z", { n: 3 }, 10_000);
    expect([cache.get("x".repeat(101)), cache.get("y"), cache.get("z"), cache.size]).toEqual([undefined, undefined, { n: 3 }, 1]);
  });

  it("S06: an entry set again is counted again (a compiled operation added to it)", () => {
    const cache = createDocumentCache<{ n: number }>({ maxBytes: 80_000 });
    const entry = { n: 1 };
    cache.set("a", entry, 100);
    cache.set("a", entry, 5000);
    expect(cache.calculatedSize).toBe(5000);
    cache.set("a", entry, 20_000);
    expect([cache.get("a"), cache.calculatedSize]).toEqual([undefined, 0]);
  });

  it("S06: the estimate counts comments and dense tokens, not just the text", () => {
    const comments = `${"# padding\n".repeat(1000)}{ a }`;
    const dense = `{ ${Array.from({ length: 1990 }, (_, i) => `f${i}`).join(" ")} }`;
    expect(estimateDocumentBytes(comments, parse(comments))).toBeGreaterThan(2 * comments.length + 1000 * 256);
    expect(estimateDocumentBytes(dense, parse(dense))).toBeGreaterThan(1990 * 256);
  });
});

// The attack, end to end: unique documents through both lanes and both entries. The heap
// is measured after a full collection, so what it holds is what the caches keep. Before
// the byte budget the same traffic pinned well over a gigabyte (the count of 1,000 was the
// only bound); the bounds here are generous, a few times the two lanes' 16 MiB budgets.
describe("S06: unique documents cannot pin memory", () => {
  let upstream: TestUpstream;
  let trestle: Trestle;
  let server: TrestleServer;
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  const heapUsed = () => {
    gc();
    gc();
    return process.memoryUsage().heapUsed;
  };
  const MiB = 1024 * 1024;

  beforeAll(async () => {
    upstream = await startTestUpstream((_req, res) => sendJson(res, 200, { id: "1" }));
    trestle = await createTestTrestle(/* GraphQL */ `
      extend schema @upstream(name: "api", baseUrl: "${upstream.url}")
      type Query { item(id: ID): Item @rest(path: "/items/{args.id}") }
      type Item { id: ID }
    `);
    server = await serveTrestle(trestle);
  });
  afterAll(async () => {
    await server.close();
    await trestle.close();
    await upstream.close();
  });

  /** One document through the fast lane (JSON POST) or yoga's (application/graphql), via fetch or handle. */
  async function send(document: string, lane: "fast" | "yoga", entry: "fetch" | "handle"): Promise<{ status: number; body: string }> {
    const init: RequestInit =
      lane === "fast"
        ? { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: document }) }
        : { method: "POST", headers: { "content-type": "application/graphql" }, body: document };
    const response =
      entry === "fetch"
        ? await trestle.fetch(new Request("http://trestle.test/graphql", init))
        : await fetch(`${server.url}/graphql`, init);
    return { status: response.status, body: await response.text() };
  }
  const routes = [
    ["fast", "fetch"],
    ["fast", "handle"],
    ["yoga", "fetch"],
    ["yoga", "handle"],
  ] as const;

  const expectServed = async () => {
    for (const [lane, entry] of routes)
      expect(await send(`{ item(id: "1") { id } }`, lane, entry)).toEqual({ status: 200, body: `{"data":{"item":{"id":"1"}}}` });
  };

  it("S06: 160 unique comment-padded documents of 900 KB each (comments are free of maxTokens)", { timeout: 60_000 }, async () => {
    await expectServed();
    const before = heapUsed();
    for (let i = 0; i < 160; i++) {
      const [lane, entry] = routes[i % 4]!;
      const padded = `# ${randomBytes(450_000).toString("hex")}\n{ item(id: "${i}") { id } }`;
      expect((await send(padded, lane, entry)).status).toBe(200);
    }
    const grown = heapUsed() - before;
    expect(grown).toBeLessThan(64 * MiB);
    await expectServed();
  });

  it(
    "S06: 120 unique dense 2,000-token documents (about 4 × the budget), each with 100 validation errors",
    { timeout: 60_000 },
    async () => {
      const before = heapUsed();
      for (let i = 0; i < 120; i++) {
        const [lane, entry] = routes[i % 4]!;
        const dense = `{ ${Array.from({ length: 1990 }, (_, k) => `x${k}_${i}`).join(" ")} }`;
        const answer = await send(dense, lane, entry);
        expect([answer.status, answer.body]).toEqual([400, expect.stringContaining("MAX_ROOT_FIELDS_LIMIT")]);
      }
      const grown = heapUsed() - before;
      expect(grown).toBeLessThan(96 * MiB);
      await expectServed();
    },
  );
});
