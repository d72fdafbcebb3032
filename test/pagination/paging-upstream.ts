import type { ServerResponse } from "node:http";
import { sendJson, startTestUpstream, type RecordedRequest, type TestUpstream } from "../helpers/test-upstream.js";

/** The collection every style serves: 23 items, each owned by one of 4 owners. */
export const collection = Array.from({ length: 23 }, (_, i) => ({ id: `i${i}`, display_name: `item ${i}`, owner_id: `o${i % 4}` }));

/** Upstream tokens are opaque to Trestle: here, the index written backwards with a prefix. */
const token = (index: number) => `tok-${String(index).split("").reverse().join("")}`;
const fromToken = (value: string) => Number(value.slice(4).split("").reverse().join(""));

/**
 * One collection in the four paging styles, as real upstreams page: `/off` (limit/offset, total),
 * `/off-bare` (no total), `/pages` (page/per_page from 1, total_count), `/cur` (limit/cursor,
 * next_cursor), `/link` (per_page, the body is the list, `Link: rel="next"`), `/link-away` (its
 * next link leaves for another origin), and `/owners` (a batch endpoint for nested fields).
 */
export function startPagingUpstream(): Promise<TestUpstream> {
  return startTestUpstream(servePages);
}

/** The handler of {@link startPagingUpstream}. */
export function servePages(req: RecordedRequest, res: ServerResponse): void {
  {
    const url = new URL(req.url, "http://upstream");
    const q = (name: string, fallback: number) => (url.searchParams.has(name) ? Number(url.searchParams.get(name)) : fallback);
    switch (url.pathname) {
      case "/off": {
        const offset = q("offset", 0);
        return sendJson(res, 200, { items: collection.slice(offset, offset + q("limit", 10)), total: collection.length });
      }
      case "/off-bare": {
        const offset = q("offset", 0);
        return sendJson(res, 200, { items: collection.slice(offset, offset + q("limit", 10)) });
      }
      case "/pages": {
        const size = q("per_page", 10);
        const page = q("page", 1);
        return sendJson(res, 200, { data: collection.slice((page - 1) * size, page * size), total_count: collection.length });
      }
      case "/cur": {
        const start = url.searchParams.has("cursor") ? fromToken(url.searchParams.get("cursor")!) : 0;
        const end = start + q("limit", 10);
        return sendJson(res, 200, { items: collection.slice(start, end), next_cursor: end < collection.length ? token(end) : null });
      }
      case "/link":
      case "/link-away": {
        const size = q("per_page", 10);
        const page = q("page", 1);
        const headers: Record<string, string> = {};
        if (page * size < collection.length) {
          const next = url.pathname === "/link" ? `/link?page=${page + 1}&per_page=${size}` : `http://evil.example/link?page=${page + 1}`;
          headers["link"] = `<${next}>; rel="next", </link?page=1&per_page=${size}>; rel="first"`;
        }
        return sendJson(res, 200, collection.slice((page - 1) * size, page * size), headers);
      }
      case "/bad":
        return sendJson(res, 200, { items: "not a list", total: 3 });
      case "/owners": {
        const ids = (url.searchParams.get("ids") ?? "").split(",");
        return sendJson(
          res,
          200,
          ids.map((id) => ({ id, login: `user-${id}` })),
        );
      }
      default:
        return sendJson(res, 404, { detail: "not found" });
    }
  }
}

export function pagingSchema(baseUrl: string): string {
  const offset = `style: OFFSET, items: "items", total: "total", limit: "limit", offset: "offset"`;
  return `
extend schema @upstream(name: "api", baseUrl: "${baseUrl}", naming: SNAKE_CASE)

type Query {
  offsetItems(first: Int, after: String, last: Int, before: String): ItemConnection!
    @rest(path: "/off", paginate: { ${offset} })
  smallItems(first: Int = 2, after: String): ItemConnection!
    @rest(path: "/off", paginate: { ${offset}, maxFirst: 5 })
  defaultedItems(first: Int = 3, after: String, last: Int, before: String): ItemConnection!
    @rest(path: "/off", paginate: { ${offset} })
  bareItems(first: Int, after: String, last: Int, before: String): ItemList!
    @rest(path: "/off-bare", paginate: { style: OFFSET, items: "items", limit: "limit", offset: "offset" })
  pageItems(first: Int, after: String, last: Int, before: String): ItemConnection!
    @rest(path: "/pages", paginate: { style: PAGE, items: "data", total: "total_count", page: "page", size: "per_page" })
  cursorItems(first: Int, after: String): ItemList!
    @rest(path: "/cur", paginate: { style: CURSOR, items: "items", limit: "limit", cursor: "cursor", next: "next_cursor" })
  linkItems(first: Int, after: String): ItemList!
    @rest(path: "/link", paginate: { style: LINK, items: "", limit: "per_page" })
  pageBareItems(first: Int, after: String): ItemList!
    @rest(path: "/pages", paginate: { style: PAGE, items: "data", page: "page", size: "per_page" })
  cachedLinkItems(first: Int, after: String): ItemList!
    @rest(path: "/link", paginate: { style: LINK, items: "", limit: "per_page" }) @cache(maxAge: 60)
  badItems(first: Int, after: String): ItemList
    @rest(path: "/bad", paginate: { style: OFFSET, items: "items", limit: "limit", offset: "offset" })
  missingItems(first: Int, after: String): ItemList
    @rest(path: "/nope", paginate: { style: OFFSET, items: "items", limit: "limit", offset: "offset" })
  awayItems(first: Int, after: String): ItemList!
    @rest(path: "/link-away", paginate: { style: LINK, items: "", limit: "per_page" })
}

type Item {
  id: ID!
  displayName: String!
  owner: Owner @rest(path: "/owners/{parent.owner_id}", batch: { path: "/owners?ids={keys}", key: "id" })
}
type Owner { id: ID!, login: String! }

type ItemConnection { edges: [ItemEdge!]!, nodes: [Item!]!, pageInfo: PageInfo!, totalCount: Int }
type ItemList { edges: [ItemEdge!]!, pageInfo: PageInfo! }
type ItemEdge { cursor: String!, node: Item! }
type PageInfo { hasNextPage: Boolean!, hasPreviousPage: Boolean!, startCursor: String, endCursor: String }
`;
}
