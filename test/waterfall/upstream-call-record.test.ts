import type { UpstreamCallRecord } from "../../src/loader/operation-context.js";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { createGate } from "../helpers/gate.js";
import { graphqlRoutes, queryOver } from "../helpers/graphql-routes.js";
import { query } from "../helpers/graphql.js";
import { sendJson, startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";

// Issue 24, item 5 (I24-5): the per-operation record the waterfall draws. Each call carries
// its declared route (never a value), its batch size, when it was sent on the operation's
// clock and for how long, its status and cache status: the same record on every GraphQL route.

const itemOneHeld = createGate();
let upstream: TestUpstream;
beforeAll(async () => {
  upstream = await startTestUpstream(async (req, res) => {
    const cached = { "cache-control": "public, max-age=60" };
    const [path, search = ""] = req.url.split("?");
    if (path === "/items") return sendJson(res, 200, { items: [1, 2, 3].map((id) => ({ id, owner_id: id === 2 ? "b" : "a" })) }, cached);
    if (path === "/people/users")
      return sendJson(
        res,
        200,
        new URLSearchParams(search)
          .get("ids")!
          .split(",")
          .map((id) => ({ id, name: `user ${id}` })),
        cached,
      );
    if (path === "/items/held") await itemOneHeld.opened;
    if (path === "/items/boom") return sendJson(res, 500, { error: "boom" });
    if (path?.startsWith("/items/")) return sendJson(res, 200, { id: decodeURIComponent(path.slice("/items/".length)), owner_id: "a" });
    return sendJson(res, 404, {});
  });
});
afterAll(async () => await upstream?.close());

const schema = () => /* GraphQL */ `
  extend schema
    @upstream(name: "catalog", baseUrl: "${upstream.url}")
    @upstream(name: "people", baseUrl: "${upstream.url}/people")
  type Query {
    items: [Item!]! @rest(upstream: "catalog", path: "/items", select: "items")
    item(id: ID!): Item @rest(upstream: "catalog", path: "/items/{args.id}")
  }
  type Item {
    id: ID!
    owner: User @rest(upstream: "people", path: "/users/{parent.owner_id}", batch: { path: "/users?ids={keys}", key: "id" })
  }
  type User { id: ID! name: String }
`;
const callsOf = (result: { extensions?: Record<string, unknown> }) =>
  (result.extensions?.["trestle"] as { upstreamCalls: UpstreamCallRecord[] } | undefined)?.upstreamCalls ?? [];

describe.each(graphqlRoutes)("over %s", (route) => {
  const send = queryOver(route);
  let trestle: Trestle;
  // The result cache off: a repeat executes, and each read shows what the shared cache did.
  beforeAll(async () => void (trestle = await createTestTrestle(schema(), { debug: true, cache: { results: false } })));
  afterAll(async () => await trestle?.close());

  it("I24-5: an N+1 query records the list call, then the batch call with its key count, on one clock; a repeat is all cache hits", async () => {
    const first = await send(trestle, "{ items { id owner { name } } }");
    expect(first.data).toEqual({
      items: [
        { id: "1", owner: { name: "user a" } },
        { id: "2", owner: { name: "user b" } },
        { id: "3", owner: { name: "user a" } },
      ],
    });
    const [list, batch, ...rest] = callsOf(first);
    expect(rest).toEqual([]);
    expect(list).toMatchObject({
      upstream: "catalog",
      method: "GET",
      route: "/items",
      path: "/items",
      status: 200,
      cache: { status: "miss" },
    });
    expect(list).not.toHaveProperty("batch");
    expect(batch).toMatchObject({
      upstream: "people",
      method: "GET",
      route: "/people/users?ids={keys}",
      path: "/people/users?ids=a,b",
      batch: 2,
      status: 200,
    });
    expect(batch?.cache?.status).toBe("miss");
    // The batch call can only be sent once the list has answered: its start is past the list's end (both rounded to 0.1 ms).
    expect(list!.start).toBeGreaterThanOrEqual(0);
    expect(batch!.start).toBeGreaterThanOrEqual(list!.start + list!.ms - 0.1);
    for (const call of [list!, batch!]) {
      expect(Object.keys(call).sort()).toEqual(
        Object.keys(call).includes("batch")
          ? ["batch", "cache", "method", "ms", "path", "route", "start", "status", "upstream"]
          : ["cache", "method", "ms", "path", "route", "start", "status", "upstream"],
      );
      // To 0.1 ms.
      expect(Number(call.ms.toFixed(1))).toBe(call.ms);
      expect(Number(call.start.toFixed(1))).toBe(call.start);
    }

    const again = await send(trestle, "{ items { id owner { name } } }");
    expect(again.data).toEqual(first.data);
    expect(callsOf(again).map((call) => [call.upstream, call.route, call.batch, call.cache?.status])).toEqual([
      ["catalog", "/items", undefined, "hit"],
      ["people", "/people/users?ids={keys}", 2, "hit"],
    ]);
  });

  it("I24-5: the route is the declared template, never the argument a caller sent; the path, for the developer, has it", async () => {
    const hostile = "<img src=x onerror=alert(1)>";
    const result = await send(trestle, "query ($id: ID!) { item(id: $id) { id } }", { id: hostile });
    expect(result.data).toEqual({ item: { id: hostile } });
    const [call] = callsOf(result);
    expect(call?.route).toBe("/items/{args.id}");
    expect(call?.path).toBe(`/items/${encodeURIComponent(hostile)}`);
    // A normal caller is served afterwards.
    expect((await send(trestle, '{ item(id: "7") { id } }')).data).toEqual({ item: { id: "7" } });
  });
});

it("I24-5: start is when a call is sent, not when it queued: behind maxConcurrentCallsPerUpstream: 1, the second call starts after the first ends", async () => {
  const trestle = await createTestTrestle(schema(), { debug: true, limits: { maxConcurrentCallsPerUpstream: 1 } });
  try {
    const arrived = upstream.nextRequest();
    const pending = query(trestle, '{ a: item(id: "held") { id } b: item(id: "free") { id } }');
    // The first call is at the upstream, held; the second waits for its slot. Let the first answer.
    expect((await arrived).url).toBe("/items/held");
    itemOneHeld.open();
    const result = await pending;
    expect(result.data).toEqual({ a: { id: "held" }, b: { id: "free" } });
    const [held, free] = callsOf(result);
    expect([held?.path, free?.path]).toEqual(["/items/held", "/items/free"]);
    expect(free!.start).toBeGreaterThanOrEqual(held!.start + held!.ms - 0.1);
  } finally {
    await trestle.close();
  }
});

it("I24-5: without debug, results carry no call record at all", async () => {
  const trestle = await createTestTrestle(schema());
  try {
    const result = await query(trestle, "{ items { id owner { name } } }");
    expect(result.data).toBeDefined();
    expect(result.extensions).toBeUndefined();
  } finally {
    await trestle.close();
  }
});

it("I24-5: an operations route (/api/<name>) keeps the same record: a failed call's problem answer lists it with its route, status and start", async () => {
  const dir = mkdtempSync(join(tmpdir(), "trestle-waterfall-"));
  writeFileSync(join(dir, "item.graphql"), "query Item($id: ID!) { item(id: $id) { id } }\n");
  const trestle = await createTestTrestle(schema(), { debug: true, operations: dir });
  try {
    const failed = await trestle.fetch(new Request("http://trestle.test/api/Item?id=boom"));
    expect(failed.status).toBe(502);
    const problem = (await failed.json()) as { extensions?: Record<string, unknown> };
    const [call, ...rest] = callsOf(problem);
    expect(rest).toEqual([]);
    expect(call).toMatchObject({ upstream: "catalog", method: "GET", route: "/items/{args.id}", path: "/items/boom", status: 500 });
    expect(call?.start).toBeGreaterThanOrEqual(0);
    // A normal caller is served afterwards.
    const served = await trestle.fetch(new Request("http://trestle.test/api/Item?id=7"));
    expect([served.status, await served.json()]).toEqual([200, { item: { id: "7" } }]);
  } finally {
    await trestle.close();
  }
});
