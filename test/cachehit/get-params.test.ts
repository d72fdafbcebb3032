import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { createCacheTrestle, resetWorld, startCacheWorld, type CacheWorld } from "../cache/cache-fixture.js";
import { rawRequest, sendRaw, serveTrestle, type TrestleServer } from "../passthrough/raw-http.js";

// Issue 26 (cache hit path), CH04: a GET's query string, decoded once and remembered (bounded):
// a repeat decodes nothing, but every request still gets its own parsed variables and its own verdict.

let world: CacheWorld;
let trestle: Trestle;
let server: TrestleServer;

beforeAll(async () => {
  world = await startCacheWorld();
});
afterAll(async () => {
  await server?.close();
  await trestle?.close();
  await world.upstream.close();
});
beforeEach(async () => {
  await server?.close();
  await trestle?.close();
  resetWorld(world);
  trestle = await createCacheTrestle(world, { cache: { now: () => world.clock.now(), results: true }, debug: false });
  server = await serveTrestle(trestle);
});

const get = async (search: string) => {
  const answer = await sendRaw(server.port, rawRequest(`GET /graphql?${search} HTTP/1.1`, { Accept: "application/json" }));
  return { status: answer.status, json: JSON.parse(answer.body) as { data?: unknown; errors?: { message: string }[] } };
};
const itemQuery = encodeURIComponent("query I($id: String!) { item(id: $id) { id name } }");

describe("GraphQL over GET, query strings remembered", () => {
  it("CH04: the same query string twice is the same answer (the second from the result cache); other variables are other answers", async () => {
    const search = `query=${itemQuery}&variables=${encodeURIComponent('{"id":"a"}')}`;
    expect(await get(search)).toEqual({ status: 200, json: { data: { item: { id: "a", name: "item-a" } } } });
    expect(await get(search)).toEqual({ status: 200, json: { data: { item: { id: "a", name: "item-a" } } } });
    expect(world.calls("/v1/items/a")).toHaveLength(1);
    // `+` is a space, percent-escapes decode, a different value is a different request.
    const plus = `query=query+I($id:+String!)+{+item(id:+$id)+{+id+}+}&variables=${encodeURIComponent('{"id":"b"}')}`;
    expect(await get(plus)).toEqual({ status: 200, json: { data: { item: { id: "b" } } } });
    expect(await get(plus)).toEqual({ status: 200, json: { data: { item: { id: "b" } } } });
    expect(world.calls("/v1/items/b")).toHaveLength(1);
  });

  it("CH04: malformed variables are refused every time, remembered or not, and a normal query is served after", async () => {
    for (const variables of ["{", "[1]", '"x"', "%7B%22id%22%3A", "null%00"]) {
      const search = `query=${itemQuery}&variables=${variables}`;
      for (let round = 0; round < 2; round++) {
        const bad = await get(search);
        expect(bad.status).toBe(400);
        expect(bad.json.errors?.[0]?.message).toMatch(/variables/);
      }
    }
    // Repeated parameters: the first counts, as URLSearchParams reads them.
    const twice = `query=${itemQuery}&variables=${encodeURIComponent('{"id":"c"}')}&variables=${encodeURIComponent('{"id":"d"}')}`;
    expect(await get(twice)).toEqual({ status: 200, json: { data: { item: { id: "c", name: "item-c" } } } });
    expect(world.calls("/v1/items/d")).toHaveLength(0);
  });

  it("CH04: a flood of distinct query strings (past what is remembered) and long ones are all answered right", async () => {
    for (let at = 0; at < 300; at++) {
      const answer = await get(`query=${itemQuery}&variables=${encodeURIComponent(JSON.stringify({ id: `n${at}` }))}`);
      expect(answer.json).toEqual({ data: { item: { id: `n${at}`, name: `item-n${at}` } } });
    }
    const long = `query=${itemQuery}&variables=${encodeURIComponent(JSON.stringify({ id: "l".repeat(3000) }))}`;
    for (let round = 0; round < 2; round++)
      expect((await get(long)).json).toEqual({ data: { item: { id: "l".repeat(3000), name: `item-${"l".repeat(3000)}` } } });
    const again = await get(`query=${itemQuery}&variables=${encodeURIComponent('{"id":"n0"}')}`);
    expect(again.json).toEqual({ data: { item: { id: "n0", name: "item-n0" } } });
  });
});
