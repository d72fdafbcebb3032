import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { query } from "../helpers/graphql.js";
import type { TestUpstream } from "../helpers/test-upstream.js";
import { startPagingUpstream } from "./paging-upstream.js";

// The REST-aware cost rule counts a connection field as its `first` (or `last`): nested calls × first.
let upstream: TestUpstream;
let trestle: Trestle;

const sdl = (url: string) => `
  extend schema @upstream(name: "api", baseUrl: "${url}", naming: SNAKE_CASE)
  type Query {
    items(first: Int = 10, after: String, last: Int, before: String): ItemConnection!
      @rest(path: "/off", paginate: { style: OFFSET, items: "items", total: "total", limit: "limit", offset: "offset" })
  }
  type Item { id: ID!, owner: Owner @rest(path: "/owners/{parent.owner_id}") }
  type Owner { id: ID }
  type ItemConnection { edges: [ItemEdge!]!, nodes: [Item!]!, pageInfo: PageInfo!, totalCount: Int }
  type ItemEdge { cursor: String!, node: Item! }
  type PageInfo { hasNextPage: Boolean!, hasPreviousPage: Boolean!, startCursor: String, endCursor: String }
`;

beforeAll(async () => {
  upstream = await startPagingUpstream();
  trestle = await createTestTrestle(sdl(upstream.url), { cursorSecret: "cost", limits: { maxCost: 30 } });
});
afterAll(async () => {
  await trestle.close();
  await upstream.close();
});
beforeEach(() => {
  upstream.requests.length = 0;
});

describe("cost of a connection", () => {
  it.each([
    ["{ items(first: 29) { edges { node { owner { id } } } } }", {}],
    ["{ items(first: 29) { nodes { owner { id } } } }", {}],
    ["query($n: Int) { items(first: $n) { edges { node { owner { id } } } } }", { n: 29 }],
    ["{ items { totalCount edges { cursor node { id owner { id } } } pageInfo { hasNextPage } } }", {}],
  ])("P14: %s costs 1 + first and is served", async (document, variables) => {
    const result = await query(trestle, document, variables);
    expect(result.errors).toBeUndefined();
  });

  it.each([
    ["{ items(first: 30) { edges { node { owner { id } } } } }", {}],
    ["{ items(first: 30) { nodes { owner { id } } } }", {}],
    ["query($n: Int) { items(first: $n) { edges { node { owner { id } } } } }", { n: 100 }],
    ["{ items(first: 20) { edges { node { owner { id } } } nodes { owner { id } } } }", {}],
  ])("P14: %s costs more than maxCost 30: COST_LIMIT before any upstream call", async (document, variables) => {
    const result = await query(trestle, document, variables);
    expect(result.errors?.[0]?.extensions?.["code"]).toBe("COST_LIMIT");
    expect(upstream.requests).toEqual([]);
    expect((await query(trestle, "{ items(first: 2) { edges { node { owner { id } } } } }")).errors).toBeUndefined();
  });
});
