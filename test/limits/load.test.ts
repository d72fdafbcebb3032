import { connect } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createServeServer } from "../../src/cli/serve-command.js";
import { serveTrestle, type TrestleServer } from "../passthrough/raw-http.js";
import type { Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { createGate, until, type Gate } from "../helpers/gate.js";
import { query } from "../helpers/graphql.js";
import { sendJson, startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";

// Small, fast versions of the load cases of docs/threat-model.md (L02, L03, L04, L06): what
// happens under load, shown by counting calls and answers while the upstream holds its answers
// (a gate the test opens), never by timing. L01 (throughput) and latency under load are the
// benchmark's (bench/), L05 and latency beside abuse the soak script's (`npm run soak`).
let upstream: TestUpstream;
/** While set, the upstream holds every answer until the test opens it. */
let gate: Gate | undefined;

beforeAll(async () => {
  upstream = await startTestUpstream(async (req, res) => {
    await gate?.opened;
    const url = new URL(req.url, "http://upstream");
    if (url.pathname === "/parents")
      return sendJson(
        res,
        200,
        Array.from({ length: 200 }, (_, i) => ({ id: `p${i}`, owner_id: `o${i}` })),
      );
    if (url.pathname === "/owners")
      return sendJson(
        res,
        200,
        (url.searchParams.get("ids") ?? "").split(",").map((id) => ({ id, name: `owner ${id}` })),
      );
    if (url.pathname === "/hot") return sendJson(res, 200, { id: "hot" }, { "cache-control": "public, max-age=60" });
    sendJson(res, 200, { id: url.pathname.split("/").pop() });
  });
});
afterAll(async () => upstream.close());
beforeEach(() => {
  upstream.requests.length = 0;
  gate = undefined;
});

const sdl = (extra = "") => /* GraphQL */ `
  extend schema @upstream(name: "api", baseUrl: "${upstream.url}" ${extra})
  type Query {
    parents: [Parent!]! @rest(path: "/parents")
    hot: Item @rest(path: "/hot")
    item(i: Int!): Item @rest(path: "/items/{args.i}")
  }
  type Parent { id: ID!, owner: Owner @rest(path: "/owners/{parent.owner_id}", batch: { path: "/owners?ids={keys}", key: "id", maxSize: 50 }) }
  type Owner { id: ID!, name: String }
  type Item { id: ID }
`;

describe("L02: N+1 on a cold cache", () => {
  it("L02: 200 parents → 1 list call + ⌈200 / maxSize 50⌉ = 4 batch calls, all 4 in flight at once", async () => {
    const trestle = await createTestTrestle(sdl());
    gate = createGate();
    const pending = query(trestle, `{ parents { id owner { name } } }`);
    // The list call, then the four batch calls before any of them is answered: one round, in parallel.
    await upstream.waitForRequests(1);
    gate.open();
    gate = createGate();
    await upstream.waitForRequests(5);
    gate.open();
    const result = await pending;
    await trestle.close();
    expect(result.errors).toBeUndefined();
    const parents = result.data?.["parents"] as Array<{ id: string; owner: { name: string } }>;
    expect(parents).toHaveLength(200);
    expect(parents[199]).toEqual({ id: "p199", owner: { name: "owner o199" } });
    expect(upstream.requests.map((r) => r.url.split("?")[0])).toEqual(["/parents", "/owners", "/owners", "/owners", "/owners"]);
  });
});

describe("L03: a stampede on a cold public key", () => {
  it("L03: 500 concurrent identical queries → exactly 1 upstream call, 500 answers", async () => {
    const trestle = await createTestTrestle(sdl());
    gate = createGate();
    const pending = Promise.all(Array.from({ length: 500 }, () => query(trestle, `{ hot { id } }`)));
    // The first call is held until every query has started and reached it or the cache.
    await upstream.waitForRequests(1);
    await new Promise((resolve) => setImmediate(resolve));
    gate.open();
    const results = await pending;
    await trestle.close();
    expect(results.filter((r) => r.status === 200 && (r.data?.["hot"] as { id?: string } | null)?.id === "hot")).toHaveLength(500);
    expect(upstream.requests).toHaveLength(1);
  });
});

describe("L04: overload is shed, not queued", () => {
  it("L04: 200 concurrent reads of a stuck upstream (maxConcurrency 8): the excess is refused while the upstream holds, /healthz answers, and it recovers at once", async () => {
    gate = createGate();
    const trestle = await createTestTrestle(sdl(", maxConcurrency: 8, retry: { attempts: 0 }, breaker: { failures: 0 }"));
    let settled = 0;
    const flood = Array.from({ length: 200 }, async (_, i) => {
      const result = await query(trestle, `query($i: Int!) { item(i: $i) { id } }`, { i });
      settled++;
      return result.errors?.[0]?.extensions?.["code"] ?? "ok";
    });
    // 8 in flight + 32 waiting; the other 160 are refused while the upstream still holds every answer.
    await until(() => settled === 160, "160 refusals while the upstream holds");
    await upstream.waitForRequests(8);
    expect([settled, upstream.requests.length]).toEqual([160, 8]);
    for (let i = 0; i < 20; i++) expect((await trestle.fetch(new Request("http://trestle.test/healthz"))).status).toBe(200);
    gate.open();
    const results = await Promise.all(flood);
    expect([results.filter((code) => code === "ok").length, results.filter((code) => code === "UPSTREAM_OVERLOADED").length]).toEqual([
      40, 160,
    ]);
    expect(upstream.requests).toHaveLength(40);
    expect((await query(trestle, `{ item(i: 1000) { id } }`)).data).toEqual({ item: { id: "1000" } });
    await trestle.close();
  });
});

describe("L06: mixed abuse", () => {
  let trestle: Trestle;
  let served: TrestleServer;
  let port: number;

  beforeAll(async () => {
    trestle = await createTestTrestle(sdl());
    served = await serveTrestle(
      trestle,
      createServeServer(trestle, { headersTimeoutMs: 500, requestTimeoutMs: 1_000, checkIntervalMs: 100 }),
    );
    port = served.port;
  });
  afterAll(async () => {
    await served.close();
    await trestle.close();
  });

  async function graphql(document: string, variables: Record<string, unknown> = {}): Promise<{ status: number; code: unknown }> {
    const body = JSON.stringify({ query: document, variables });
    const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    const answer = (await response.json()) as { errors?: Array<{ extensions?: { code?: string } }> };
    return { status: response.status, code: answer.errors?.[0]?.extensions?.code };
  }

  const normal = `query($i: Int!) { item(i: $i) { id } }`;
  const aliasAttack = `{ ${Array.from({ length: 16 }, (_, i) => `a${i}: hot { id }`).join(" ")} }`;

  /** 4 clients, 15 requests each; with `attacks`, every tenth request is an alias attack (16 aliases). */
  async function run(offset: number, attacks: boolean) {
    const normalAnswers: Array<{ status: number; code: unknown }> = [];
    const attackAnswers: Array<{ status: number; code: unknown }> = [];
    await Promise.all(
      Array.from({ length: 4 }, async (_, client) => {
        for (let i = 0; i < 15; i++) {
          const n = client * 15 + i;
          if (attacks && n % 10 === 0) attackAnswers.push(await graphql(aliasAttack));
          else normalAnswers.push(await graphql(normal, { i: offset + n }));
        }
      }),
    );
    return { normalAnswers, attackAnswers };
  }

  it("L06: with 10 % slowloris sockets and 10 % alias attacks, every normal query is answered and every attack refused", async () => {
    await run(0, false);
    const slowloris = Array.from({ length: 6 }, () => {
      const socket = connect(port, "127.0.0.1");
      socket.on("error", () => undefined);
      socket.write("POST /graphql HTTP/1.1\r\nHost: t\r\n");
      const timer = setInterval(() => socket.write("X-a: b\r\n"), 100);
      return new Promise<void>((resolve) => socket.on("close", () => (clearInterval(timer), resolve())));
    });
    const { normalAnswers, attackAnswers } = await run(1000, true);
    await Promise.all(slowloris);
    expect(attackAnswers.map((a) => [a.status, a.code])).toEqual(Array.from({ length: 6 }, () => [400, "MAX_ALIASES_LIMIT"]));
    expect(normalAnswers).toHaveLength(54);
    expect(normalAnswers.every((m) => m.status === 200 && m.code === undefined)).toBe(true);
    // 60 warm-up and 54 normal queries, each one call; nothing from the attacks or the slowloris sockets.
    expect(upstream.requests).toHaveLength(114);
  });
});
