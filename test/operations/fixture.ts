import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RecordedRequest } from "../helpers/test-upstream.js";
import { sendJson } from "../helpers/test-upstream.js";
import type { ServerResponse } from "node:http";

/** The schema the operation suites serve: every kind of variable, and fields that fail each way. */
export const operationsSchema = (url: string) => /* GraphQL */ `
  extend schema
    @upstream(name: "api", baseUrl: "${url}", timeoutMs: 300, retry: { attempts: 1 },
              headers: [{ name: "authorization", from: "authorization" }])
  scalar JSON
  enum Color { RED GREEN }
  input ItemFilter { color: Color!, tags: [String!] }
  input NewItem { name: String!, color: Color = RED }
  type Query {
    item("The item's id, as the catalogue knows it." id: ID!): Item @rest(upstream: "api", path: "/items/{args.id}")
    search(ids: [ID!], limit: Int, ratio: Float, exact: Boolean, color: Color, filter: ItemFilter, tag: String, rows: [[Int!]]): Echo
      @rest(upstream: "api", method: POST, path: "/search",
            body: "{\\"ids\\": {args.ids}, \\"limit\\": {args.limit}, \\"ratio\\": {args.ratio}, \\"exact\\": {args.exact}, \\"color\\": {args.color}, \\"filter\\": {args.filter}, \\"tag\\": {args.tag}, \\"rows\\": {args.rows}}")
    slow: Item @rest(upstream: "api", path: "/slow")
    failing: Item @rest(upstream: "api", path: "/fail")
    limited: Item @rest(upstream: "api", path: "/limited")
  }
  type Mutation {
    createItem(input: NewItem!): Item @rest(upstream: "api", method: POST, path: "/items", body: "{args.input}")
  }
  type Echo { received: JSON }
  type Item { id: ID! name: String! color: Color tags: [String!]! }
`;

/** The recording upstream's answers for {@link operationsSchema}. */
export function answerUpstream(req: RecordedRequest, res: ServerResponse): unknown {
  const path = req.url.split("?")[0]!;
  if (path === "/slow") return new Promise(() => undefined); // never answers: UPSTREAM_TIMEOUT
  if (path === "/fail") return sendJson(res, 500, { detail: "db down" });
  if (path === "/limited") return sendJson(res, 429, { detail: "slow down" }, { "retry-after": "7" });
  if (path === "/search") return sendJson(res, 200, { received: JSON.parse(req.body) as unknown });
  if (path === "/items" && req.method === "POST") return sendJson(res, 201, { id: "9", tags: [], ...(JSON.parse(req.body) as object) });
  const id = decodeURIComponent(path.slice("/items/".length));
  return sendJson(res, 200, { id, name: `item ${id}`, color: "GREEN", tags: ["a"] }, { "cache-control": "public, max-age=60" });
}

/** The operations folder: three files (fragments shared across them), and one file outside it. */
export function writeOperations(): { dir: string; files: string[]; outside: string } {
  const dir = mkdtempSync(join(tmpdir(), "trestle-operations-"));
  const write = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  const files = [
    write(
      "items.graphql",
      `# Looks up one item.
# Its tags included.
query Item($id: ID!) { item(id: $id) { ...ItemFields } }

"""Searches with every kind of variable."""
query Search($ids: [ID!], $limit: Int, $ratio: Float, $exact: Boolean, $color: Color, $filter: ItemFilter, $tag: String, $rows: [[Int!]]) {
  search(ids: $ids, limit: $limit, ratio: $ratio, exact: $exact, color: $color, filter: $filter, tag: $tag, rows: $rows) { received }
}

# Adds an item.
mutation CreateItem($input: NewItem!) { createItem(input: $input) { ...ItemFields } }
`,
    ),
    write(
      "failures.graphql",
      `query Slow { item(id: "1") { id name } slow { id } }
query Failing { item(id: "1") { id } failing { id } }
query Limited { limited { id } }
`,
    ),
    write("fragments.graphql", `fragment ItemFields on Item { __typename id name color tags }\n`),
  ];
  const outside = write("hidden.graphql.off", `query Hidden { item(id: "secret") { id name } }\n`);
  return { dir, files, outside };
}
