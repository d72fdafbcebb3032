import { describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { type CacheWorld, useCacheTrestle } from "../cache/cache-fixture.js";

/** Queries over GET run on the fast route, so the result cache answers them too; what is not a query stays yoga's. */
let world: CacheWorld;
let trestle: Trestle;
useCacheTrestle((w, t) => ((world = w), (trestle = t)), { cache: { results: true }, debug: false });

const get = async (params: Record<string, string>, headers: Record<string, string> = {}) => {
  const response = await trestle.fetch(new Request(`http://trestle.test/graphql?${new URLSearchParams(params)}`, { headers }));
  return { status: response.status, text: await response.text(), headers: response.headers };
};

describe("result cache over GET", () => {
  it("RC14: a query over GET is answered from the result cache: same bytes, no upstream call", async () => {
    const params = { query: "query I($id: String!) { item(id: $id) { id serial } }", variables: JSON.stringify({ id: "g" }) };
    const first = await get(params, { accept: "application/graphql-response+json" });
    const second = await get(params, { accept: "application/graphql-response+json" });
    expect(first.status).toBe(200);
    expect(JSON.parse(first.text)).toEqual({ data: { item: { id: "g", serial: 1 } } });
    expect(second.text).toBe(first.text);
    expect(second.headers.get("cache-control")).toBe("public, max-age=30");
    expect(world.calls("/v1/items/g")).toHaveLength(1);
    // Another identity is not served it.
    const other = await get(params, { authorization: "Bearer mallory" });
    expect(JSON.parse(other.text)).toEqual({ data: { item: { id: "g", serial: 2 } } });
  });

  it("RC14: over GET a mutation is still refused (405) and nothing is written; malformed variables are 400; a page load gets GraphiQL", async () => {
    const mutation = await get({ query: `mutation { updateItem(id: "g", name: "x") { id } }` });
    expect(mutation.status).toBe(405);
    expect(world.calls("/v1/items/g", "PUT")).toHaveLength(0);
    for (const variables of ["{", "[1]", '"x"']) {
      const bad = await get({ query: "query I($id: String!) { item(id: $id) { id } }", variables });
      expect(bad.status).toBe(400);
      expect(bad.text).toContain("variables");
    }
    const page = await get({ query: '{ item(id: "g") { id } }' }, { accept: "text/html,application/xhtml+xml,*/*;q=0.8" });
    expect(page.headers.get("content-type")).toContain("text/html");
    const fine = await get({ query: '{ item(id: "h") { id } }' });
    expect(JSON.parse(fine.text)).toEqual({ data: { item: { id: "h" } } });
  });
});
