import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createServeServer } from "../../src/cli/serve-command.js";
import type { Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { query } from "../helpers/graphql.js";
import { sendJson, startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";
import { sendRaw } from "../passthrough/raw-http.js";

// Cache safety at the level of a whole instance (case ids of docs/threat-model.md): C08, the
// cache's byte bound, and C13, an upstream answer nested too deep for recursive code.
let upstream: TestUpstream;

/** 200,000 nested arrays: about 400 KB of valid JSON that recursive code cannot walk. */
const deepTree = `${"[".repeat(200_000)}${"]".repeat(200_000)}`;
const pad = "x".repeat(50 * 1024);

beforeAll(async () => {
  upstream = await startTestUpstream((req, res) => {
    if (req.url === "/deep") {
      res.writeHead(200, { "content-type": "application/json", "cache-control": "max-age=60" });
      return res.end(`{"id": "deep", "tree": ${deepTree}}`);
    }
    return sendJson(res, 200, { id: req.url.split("/").pop(), pad }, { "cache-control": "max-age=600" });
  });
});
afterAll(async () => upstream.close());
beforeEach(() => {
  upstream.requests.length = 0;
});

describe("C08: the cache's bound holds for a whole instance", () => {
  it("C08: 400 distinct 50 KB answers (20 MB) through a 2 MiB cache: calculatedSize ≤ maxSize, heap flat", async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    expect(gc, "vitest runs test workers with --expose-gc").toBeTypeOf("function");
    const maxSize = 2 * 1024 * 1024;
    const trestle = await createTestTrestle(
      /* GraphQL */ `
        extend schema @upstream(name: "api", baseUrl: "${upstream.url}")
        type Query { item(id: ID!): Item @rest(path: "/items/{args.id}") }
        type Item { id: ID, pad: String }
      `,
      { cache: { maxSize } },
    );
    // Warm up (pool, parsed documents), then measure from there.
    for (let i = 0; i < 40; i++) await query(trestle, `query($id: ID!) { item(id: $id) { id } }`, { id: `warm-${i}` });
    gc!();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 400; i += 20) {
      await Promise.all(
        Array.from({ length: 20 }, (_, j) => query(trestle, `query($id: ID!) { item(id: $id) { id } }`, { id: `id-${i + j}` })),
      );
      expect(trestle.cache.calculatedSize).toBeLessThanOrEqual(maxSize);
    }
    gc!();
    const grown = process.memoryUsage().heapUsed - before;
    const { size, calculatedSize } = trestle.cache;
    await trestle.close();
    expect(upstream.requests).toHaveLength(440);
    expect(size).toBeLessThanOrEqual(Math.ceil(maxSize / (50 * 1024)));
    expect(calculatedSize).toBeGreaterThan(maxSize / 2);
    console.log(
      `C08: ${size} entries, calculatedSize ${calculatedSize} of ${maxSize}; heap +${(grown / 1024 / 1024).toFixed(1)} MiB after 20 MB of answers`,
    );
    expect(grown).toBeLessThan(maxSize + 6 * 1024 * 1024);
  });
});

describe("C13: an upstream answer nested 200,000 deep", () => {
  let trestle: Trestle;
  beforeAll(async () => {
    trestle = await createTestTrestle(/* GraphQL */ `
      extend schema @upstream(name: "api", baseUrl: "${upstream.url}")
      scalar JSON
      type Query { deep: Doc @rest(path: "/deep") ok(id: ID!): Doc @rest(path: "/items/{args.id}") }
      type Doc { id: ID, tree: JSON }
    `);
  });
  afterAll(async () => trestle.close());

  it("C13: fields that do not read the deep part resolve; nothing recursive walks the answer", async () => {
    const result = await query(trestle, `{ deep { id } }`);
    expect(result).toEqual({ status: 200, data: { deep: { id: "deep" } } });
  });

  it("C13: through yoga's lane (GET), selecting the deep value as a JSON scalar is a masked error: no RangeError, no stack", async () => {
    const response = await trestle.fetch(
      new Request(`http://trestle.test/graphql?query=${encodeURIComponent(`{ deep { id tree } }`)}`, {
        headers: { accept: "application/graphql-response+json" },
      }),
    );
    const raw = await response.text();
    const body = JSON.parse(raw) as { errors?: Array<{ message: string; extensions?: { code?: string } }> };
    expect(body.errors?.[0]).toMatchObject({ message: "Unexpected error.", extensions: { code: "INTERNAL_SERVER_ERROR" } });
    for (const leak of ["RangeError", "call stack", "originalError"]) expect(raw).not.toContain(leak);
    expect((await query(trestle, `{ ok(id: "next") { id } }`)).data).toEqual({ ok: { id: "next" } });
  });

  it("C13: trestle serve (createServeServer) survives it through the fast lane (JSON POST) and keeps serving", async () => {
    const server = createServeServer(trestle);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    const body = JSON.stringify({ query: `{ deep { tree } }` });
    const answer = await sendRaw(
      port,
      `POST /graphql HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
    const next = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: `{ ok(id: "after") { id } }` }),
    });
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    expect([200, 500]).toContain(answer.status);
    for (const leak of ["RangeError", "call stack"]) expect(answer.body).not.toContain(leak);
    expect(await next.json()).toEqual({ data: { ok: { id: "after" } } });
  });

  // The fast lane masks a result JSON cannot write, as yoga's lane does (above).
  it("C13: through the fast lane (JSON POST) the same is a masked error, not a rejected trestle.fetch", async () => {
    const result = await query(trestle, `{ deep { id tree } ok(id: "after") { id } }`);
    expect(result.errors?.[0]).toMatchObject({ message: "Unexpected error.", extensions: { code: "INTERNAL_SERVER_ERROR" } });
    expect(JSON.stringify(result)).not.toContain("RangeError");
  });

  it("C13: the deep answer is valid JSON, so it is cached like any other (one upstream call for repeated reads)", async () => {
    await query(trestle, `{ deep { id } }`);
    await query(trestle, `{ deep { id } }`);
    expect(upstream.requests.filter((r) => r.url === "/deep").length).toBeLessThanOrEqual(1);
  });
});
