import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { query, type GraphQLResult } from "../helpers/graphql.js";
import type { TestUpstream } from "../helpers/test-upstream.js";
import { collection, pagingSchema, startPagingUpstream } from "./paging-upstream.js";

interface Page {
  edges: Array<{ cursor: string; node: { id: string; owner?: { login: string } } }>;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount?: number | null;
}

let upstream: TestUpstream;
let trestle: Trestle;
const secret = "s22-test-secret-shared-by-replicas";

beforeAll(async () => {
  upstream = await startPagingUpstream();
  trestle = await createTestTrestle(pagingSchema(upstream.url), { cursorSecret: secret });
});
afterAll(async () => {
  await trestle.close();
  await upstream.close();
});
beforeEach(() => {
  upstream.requests.length = 0;
});

const pageFields = "edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }";

async function page(field: string, args: string, extra = ""): Promise<Page> {
  const result = await query(trestle, `{ ${field}(${args}) { ${pageFields} ${extra} } }`);
  expect(result.errors).toBeUndefined();
  return result.data![field] as Page;
}

/** Walks a field forward from the start with `after`, `first` at a time; returns every page. */
async function walk(field: string, first: number): Promise<Page[]> {
  const pages: Page[] = [];
  let after: string | null = null;
  for (let guard = 0; guard < 50; guard++) {
    const got: Page = await page(field, after === null ? `first: ${first}` : `first: ${first}, after: ${JSON.stringify(after)}`);
    pages.push(got);
    if (!got.pageInfo.hasNextPage) return pages;
    after = got.pageInfo.endCursor;
  }
  throw new Error(`${field} never ended`);
}

const allIds = collection.map((item) => item.id);
const dataRequests = () => upstream.requests.filter((r) => !r.url.startsWith("/owners"));

describe("walking every page", () => {
  it.each([
    ["offsetItems", 5, 5],
    ["bareItems", 5, 5],
    ["pageItems", 5, 5],
    ["cursorItems", 5, 5],
    ["linkItems", 5, 5],
    ["offsetItems", 23, 1],
    ["pageItems", 4, 6],
    ["cursorItems", 7, 4],
    ["linkItems", 10, 3],
  ])(
    "P01: %s with first %i yields every item exactly once, one upstream call per page, hasNextPage false at the end",
    async (field, first, calls) => {
      const pages = await walk(field, first);
      const ids = pages.flatMap((p) => p.edges.map((e) => e.node.id));
      expect(ids).toEqual(allIds);
      expect(pages).toHaveLength(calls);
      expect(pages.at(-1)!.pageInfo.hasNextPage).toBe(false);
      expect(pages[0]!.pageInfo.hasPreviousPage).toBe(false);
      expect(pages.slice(1).every((p) => p.pageInfo.hasPreviousPage)).toBe(true);
      expect(dataRequests()).toHaveLength(calls);
      for (const p of pages) {
        expect(p.pageInfo.startCursor).toBe(p.edges[0]!.cursor);
        expect(p.pageInfo.endCursor).toBe(p.edges.at(-1)!.cursor);
      }
    },
  );

  it("P02: the parameters Trestle adds are the upstream's own (limit/offset; page/per_page; limit/cursor; per_page then the Link target)", async () => {
    await walk("offsetItems", 10);
    await walk("bareItems", 10);
    await walk("pageItems", 10);
    await walk("cursorItems", 10);
    await walk("linkItems", 10);
    expect(dataRequests().map((r) => r.url)).toEqual([
      "/off?limit=10&offset=0",
      "/off?limit=10&offset=10",
      "/off?limit=10&offset=20",
      // Without total, one more item than shown says whether another page follows.
      "/off-bare?limit=11&offset=0",
      "/off-bare?limit=11&offset=10",
      "/off-bare?limit=11&offset=20",
      "/pages?page=1&per_page=10",
      "/pages?page=2&per_page=10",
      "/pages?page=3&per_page=10",
      "/cur?limit=10",
      "/cur?limit=10&cursor=tok-01",
      "/cur?limit=10&cursor=tok-02",
      "/link?per_page=10",
      "/link?page=2&per_page=10",
      "/link?page=3&per_page=10",
    ]);
  });

  it("P03: upstream tokens and links never appear in a client cursor", async () => {
    const pages = [...(await walk("cursorItems", 10)), ...(await walk("linkItems", 10))];
    for (const cursor of pages.flatMap((p) => p.edges.map((e) => e.cursor))) {
      expect(cursor).toMatch(/^c1\.[A-Za-z0-9_-]+$/);
      const decoded = Buffer.from(cursor.slice(3), "base64url").toString("latin1");
      expect(decoded).not.toMatch(/tok-|\/link|page=/);
    }
  });

  it("P04: totalCount is the upstream's total, on every page", async () => {
    const first = await page("offsetItems", "first: 3", "totalCount");
    const next = await page("pageItems", `first: 3`, "totalCount");
    expect([first.totalCount, next.totalCount]).toEqual([23, 23]);
  });

  it.each(["offsetItems", "pageItems", "cursorItems", "linkItems"])(
    "P01: %s after any edge's cursor continues right after that edge",
    async (field) => {
      const start = await page(field, "first: 6");
      const resumed = await page(field, `first: 3, after: ${JSON.stringify(start.edges[1]!.cursor)}`);
      expect(resumed.edges.map((e) => e.node.id)).toEqual(["i2", "i3", "i4"]);
      expect(resumed.pageInfo.hasNextPage).toBe(true);
    },
  );

  it("P05: the field's default first applies, and a page of nested fields makes one batch call", async () => {
    const result = await query(trestle, `{ smallItems { edges { node { id owner { login } } } } }`);
    expect((result.data!["smallItems"] as Page).edges.map((e) => e.node.owner!.login)).toEqual(["user-o0", "user-o1"]);
    expect(upstream.requests.map((r) => r.url)).toEqual(["/off?limit=2&offset=0", "/owners?ids=o0,o1"]);
  });

  it.each(["offsetItems", "pageItems", "cursorItems", "linkItems"])(
    "P05: %s: nested batched fields make one call per level per page",
    async (field) => {
      let after: string | null = null;
      for (let n = 0; n < 3; n++) {
        upstream.requests.length = 0;
        const args: string = after === null ? "first: 8" : `first: 8, after: ${JSON.stringify(after)}`;
        const result = await query(
          trestle,
          `{ ${field}(${args}) { edges { node { id owner { id login } } } pageInfo { hasNextPage endCursor } } }`,
        );
        const got = result.data![field] as Page;
        expect(got.edges.every((e) => e.node.owner!.login === `user-${collection[Number(e.node.id.slice(1))]!.owner_id}`)).toBe(true);
        expect(upstream.requests.filter((r) => r.url.startsWith("/owners?"))).toHaveLength(1);
        expect(upstream.requests).toHaveLength(2);
        after = got.pageInfo.endCursor;
      }
    },
  );
});

describe("answers and the cache", () => {
  it.each([
    [5, 5],
    [23, 2],
  ])("P01: PAGE without total: with first %i, a short (or empty) page ends the walk after %i calls", async (first, calls) => {
    const pages = await walk("pageBareItems", first);
    expect(pages.flatMap((p) => p.edges.map((e) => e.node.id))).toEqual(allIds);
    expect(dataRequests()).toHaveLength(calls);
    expect(pages.at(-1)!.pageInfo.hasNextPage).toBe(false);
  });

  it("P06: pages come from the shared cache like any read, Link headers included: a second walk makes no call", async () => {
    const first = await walk("cachedLinkItems", 10);
    expect(dataRequests()).toHaveLength(3);
    upstream.requests.length = 0;
    const second = await walk("cachedLinkItems", 10);
    expect(second.flatMap((p) => p.edges.map((e) => e.node.id))).toEqual(allIds);
    expect(second.map((p) => p.pageInfo.hasNextPage)).toEqual(first.map((p) => p.pageInfo.hasNextPage));
    expect(upstream.requests).toEqual([]);
  });

  it("P07: an answer without a list at items is UPSTREAM_BAD_RESPONSE; a 404 on a nullable connection is null", async () => {
    const bad = await query(trestle, `{ badItems(first: 2) { edges { cursor } } }`);
    expect(bad.errors?.[0]?.extensions?.["code"]).toBe("UPSTREAM_BAD_RESPONSE");
    expect(bad.errors?.[0]?.message).toBe('Upstream "api" answered Query.badItems without a list at "items".');
    const missing = await query(trestle, `{ missingItems(first: 2) { edges { cursor } } }`);
    expect(missing).toMatchObject({ data: { missingItems: null } });
    expect(missing.errors).toBeUndefined();
  });
});

describe("backward paging (OFFSET and PAGE)", () => {
  it.each([
    ["offsetItems", 4],
    ["pageItems", 4],
    ["offsetItems", 5],
    ["pageItems", 6],
  ])("P08: %s walked back with last %i/before from the last edge yields every earlier item once", async (field, size) => {
    const forward = await walk(field, size);
    const lastEdge = forward.at(-1)!.edges.at(-1)!;
    const ids: string[] = [lastEdge.node.id];
    let before = lastEdge.cursor;
    for (let guard = 0; guard < 30; guard++) {
      const back = await page(field, `last: ${size}, before: ${JSON.stringify(before)}`);
      ids.unshift(...back.edges.map((e) => e.node.id));
      if (back.edges.length > 0) expect(back.pageInfo.hasNextPage).toBe(true);
      if (!back.pageInfo.hasPreviousPage) break;
      before = back.pageInfo.startCursor!;
    }
    expect(ids).toEqual(allIds);
  });

  it("P08: last/before returns the items right before the cursor", async () => {
    const start = await page("offsetItems", "first: 12");
    const back = await page("offsetItems", `last: 3, before: ${JSON.stringify(start.edges[10]!.cursor)}`);
    expect(back.edges.map((e) => e.node.id)).toEqual(["i7", "i8", "i9"]);
    expect(back.pageInfo.hasPreviousPage).toBe(true);
    const atStart = await page("offsetItems", `last: 3, before: ${JSON.stringify(start.edges[0]!.cursor)}`);
    expect(atStart.edges).toEqual([]);
    expect(atStart.pageInfo.hasPreviousPage).toBe(false);
  });
});

describe("last with a declared default of first", () => {
  it("P08: first's default (always passed by GraphQL) does not block last/before; an explicit other first still does", async () => {
    const start = await page("defaultedItems", "first: 10");
    const before = JSON.stringify(start.edges[8]!.cursor);
    const back = await page("defaultedItems", `last: 2, before: ${before}`);
    expect(back.edges.map((e) => e.node.id)).toEqual(["i6", "i7"]);
    const defaulted = await query(trestle, `{ defaultedItems { edges { cursor } } }`);
    expect((defaulted.data!["defaultedItems"] as Page).edges).toHaveLength(3);
    const both = await query(trestle, `{ defaultedItems(first: 4, last: 2, before: ${before}) { edges { cursor } } }`);
    expect(both.errors?.[0]?.message).toMatch(/give first or last, not both/);
  });
});

describe("cursors not issued for the field are refused before any upstream call", () => {
  async function refused(field: string, args: string): Promise<GraphQLResult> {
    upstream.requests.length = 0;
    const result = await query(trestle, `{ ${field}(${args}) { ${pageFields} } }`);
    expect(result.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
    expect(upstream.requests).toEqual([]);
    return result;
  }

  it("P09: forged, edited, malformed, foreign and oversized cursors: BAD_USER_INPUT, nothing sent, others still served", async () => {
    const good = await page("cursorItems", "first: 2");
    const cursor = good.pageInfo.endCursor!;
    const raw = Buffer.from(cursor.slice(3), "base64url");
    const flipped = Buffer.from(raw);
    flipped[20] = flipped[20]! ^ 1;
    const offsetCursor = (await page("offsetItems", "first: 1")).pageInfo.endCursor!;
    const forged = [
      "YXJyYXljb25uZWN0aW9uOjU=", // graphql-relay's arrayconnection:5
      Buffer.from(JSON.stringify({ kind: "index", index: 5 })).toString("base64url"),
      `c1.${Buffer.from(JSON.stringify({ kind: "page", at: "tok-02", index: 0, last: true, next: "tok-02" })).toString("base64url")}`,
      `c1.${flipped.toString("base64url")}`, // one bit edited
      cursor.slice(0, -2), // truncated
      `${cursor}AA`, // extended
      "c1.", // empty
      "c1.!!!!", // not base64url
      "", // empty string
      `c1.${"A".repeat(5000)}`, // too long
      "c2" + cursor.slice(2), // another version
    ];
    for (const bad of forged) {
      const result = await refused("cursorItems", `first: 2, after: ${JSON.stringify(bad)}`);
      expect(result.errors![0]!.message).toMatch(/^Query\.cursorItems: |The cursor given to Query\.cursorItems/);
    }
    // Another field's cursor (offsetItems), even of the same style, is refused.
    await refused("cursorItems", `first: 2, after: ${JSON.stringify(offsetCursor)}`);
    await refused("bareItems", `first: 2, after: ${JSON.stringify(offsetCursor)}`);
    await refused("pageItems", `last: 2, before: ${JSON.stringify(offsetCursor)}`);
    // A normal client is served afterwards, with the real cursor.
    const next = await page("cursorItems", `first: 2, after: ${JSON.stringify(cursor)}`);
    expect(next.edges.map((e) => e.node.id)).toEqual(["i2", "i3"]);
  });

  it("P10: a replica with the same secret reads the cursor; one with another secret or none refuses it", async () => {
    const cursor = (await page("offsetItems", "first: 2")).pageInfo.endCursor!;
    const replica = await createTestTrestle(pagingSchema(upstream.url), { cursorSecret: secret });
    const other = await createTestTrestle(pagingSchema(upstream.url), { cursorSecret: "another secret" });
    const fromEnv = await createTestTrestle(pagingSchema(upstream.url), { env: { TRESTLE_CURSOR_SECRET: secret } });
    const keyless = await createTestTrestle(pagingSchema(upstream.url));
    try {
      const ask = (t: Trestle) => query(t, `{ offsetItems(first: 1, after: ${JSON.stringify(cursor)}) { edges { node { id } } } }`);
      for (const same of [replica, fromEnv]) expect((await ask(same)).data).toEqual({ offsetItems: { edges: [{ node: { id: "i2" } }] } });
      upstream.requests.length = 0;
      for (const stranger of [other, keyless]) expect((await ask(stranger)).errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
      expect(upstream.requests).toEqual([]);
    } finally {
      await Promise.all([replica.close(), other.close(), fromEnv.close(), keyless.close()]);
    }
  });
});

describe("bounds on first and last", () => {
  it.each([
    ["offsetItems", "first: 0", /first must be from 1 to 100, received 0/],
    ["offsetItems", "first: -1", /first must be from 1 to 100, received -1/],
    ["offsetItems", "first: 101", /first must be from 1 to 100, received 101/],
    ["offsetItems", "first: 2147483647", /first must be from 1 to 100/],
    ["smallItems", "first: 6", /first must be from 1 to 5, received 6/],
    ["offsetItems", `last: 0, before: "x"`, /last must be from 1 to 100, received 0/],
    ["offsetItems", "last: 3", /last and before go together/],
    ["offsetItems", `first: 2, last: 2`, /give first or last, not both/],
    ["offsetItems", `after: "a", before: "b", last: 2`, /give after or before, not both/],
  ])("P11: %s(%s) is BAD_USER_INPUT before any call", async (field, args, message) => {
    const result = await query(trestle, `{ ${field}(${args}) { edges { cursor } } }`);
    expect(result.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
    expect(result.errors?.[0]?.message).toMatch(message);
    expect(upstream.requests).toEqual([]);
    expect((await page("offsetItems", "first: 100")).edges).toHaveLength(23);
  });
});

describe("LINK paging keeps the upstream's origin", () => {
  it("P12: a next link to another origin is not followed: the listing ends there", async () => {
    const pages = await walk("awayItems", 10);
    expect(pages).toHaveLength(1);
    expect(pages[0]!.pageInfo.hasNextPage).toBe(false);
    expect(upstream.requests.map((r) => r.url)).toEqual(["/link-away?per_page=10"]);
    const resumed = await page("awayItems", `first: 10, after: ${JSON.stringify(pages[0]!.pageInfo.endCursor)}`);
    expect(resumed.edges).toEqual([]);
    expect(upstream.requests).toHaveLength(1);
  });
});
