import { describe, expect, it } from "vitest";
import { formatDiagnostic } from "../../src/index.js";
import { checkSchemaSources } from "../../src/sdl/check-schema.js";

const types = `
type Item { id: ID! }
type ItemConnection { edges: [ItemEdge!]!, pageInfo: PageInfo!, totalCount: Int }
type ItemList { edges: [ItemEdge!]!, nodes: [Item!]!, pageInfo: PageInfo! }
type ItemEdge { cursor: String!, node: Item! }
type PageInfo { hasNextPage: Boolean!, hasPreviousPage: Boolean!, startCursor: String, endCursor: String }
`;
const head = `extend schema @upstream(name: "api", baseUrl: "http://127.0.0.1:4010")\n`;
const offset = `style: OFFSET, items: "items", limit: "limit", offset: "offset"`;

/** One field line (line 2 of the file), the shared types after it; the diagnostics `trestle check` prints. */
function check(field: string): string[] {
  return checkSchemaSources([{ name: "s.graphql", body: `${head}type Query { ${field} }\n${types}` }], {}).map(formatDiagnostic);
}

const cases: Array<[string, string, RegExp[]]> = [
  [
    "an unknown style",
    `a(first: Int, after: String): ItemList @rest(path: "/a", paginate: { style: SEEK, items: "items" })`,
    [/^s\.graphql:2:\d+: .*SEEK/],
  ],
  [
    "no items path",
    `a(first: Int, after: String): ItemList @rest(path: "/a", paginate: { style: LINK })`,
    [/^s\.graphql:2:81: paginate on Query\.a: needs items: the dot path of the list in the answer \("" when the body is the list\)$/],
  ],
  [
    "OFFSET without offset",
    `a(first: Int, after: String): ItemList @rest(path: "/a", paginate: { style: OFFSET, items: "items", limit: "limit" })`,
    [/^s\.graphql:2:81: paginate on Query\.a: style OFFSET needs offset: the name of the query parameter that carries it$/],
  ],
  [
    "PAGE without page and size",
    `a(first: Int, after: String): ItemList @rest(path: "/a", paginate: { style: PAGE, items: "items" })`,
    [/style PAGE needs page/, /style PAGE needs size/],
  ],
  [
    "CURSOR without cursor and next",
    `a(first: Int, after: String): ItemList @rest(path: "/a", paginate: { style: CURSOR, items: "items" })`,
    [/style CURSOR needs next: the dot path/, /style CURSOR needs cursor/],
  ],
  [
    "a parameter the style does not use",
    `a(first: Int, after: String): ItemList @rest(path: "/a", paginate: { ${offset}, cursor: "c" })`,
    [/style OFFSET does not use cursor \(it takes limit, offset\)/],
  ],
  [
    "a type that is not a connection",
    `a(first: Int, after: String): [Item] @rest(path: "/a", paginate: { ${offset} })`,
    [/paginate on Query\.a: \[Item\] is not a Relay connection: a connection is an object type with edges and pageInfo/],
  ],
  [
    "a connection without pageInfo",
    `a(first: Int, after: String): Item @rest(path: "/a", paginate: { ${offset} })`,
    [/Item is not a Relay connection: it needs edges/],
  ],
  [
    "totalCount without total",
    `a(first: Int, after: String): ItemConnection @rest(path: "/a", paginate: { ${offset} })`,
    [/declares totalCount, so paginate needs total/],
  ],
  [
    "paginate with batch",
    `a(first: Int, after: String, id: ID): ItemList @rest(path: "/a/{args.id}", batch: { path: "/a?ids={keys}", key: "id" }, paginate: { ${offset} })`,
    [/paginate on Query\.a: cannot be combined with batch/],
  ],
  [
    "maxFirst 0",
    `a(first: Int, after: String): ItemList @rest(path: "/a", paginate: { ${offset}, maxFirst: 0 })`,
    [/maxFirst must be 1 or more, received 0/],
  ],
  [
    "no first argument",
    `a(after: String): ItemList @rest(path: "/a", paginate: { ${offset} })`,
    [/the field needs the argument first: Int/],
  ],
  [
    "no after argument",
    `a(first: Int): ItemList @rest(path: "/a", paginate: { ${offset} })`,
    [/the field needs the argument after: String/],
  ],
  [
    "first of another type",
    `a(first: String, after: String): ItemList @rest(path: "/a", paginate: { ${offset} })`,
    [/argument first must be Int, not String/],
  ],
  [
    "last/before on CURSOR",
    `a(first: Int, after: String, last: Int, before: String): ItemList @rest(path: "/a", paginate: { style: CURSOR, items: "items", cursor: "c", next: "next" })`,
    [/style CURSOR pages forward only: remove the argument last/, /style CURSOR pages forward only: remove the argument before/],
  ],
  [
    "last without before",
    `a(first: Int, after: String, last: Int): ItemList @rest(path: "/a", paginate: { ${offset} })`,
    [/declare last and before together/],
  ],
  [
    "a default first over maxFirst",
    `a(first: Int = 500, after: String): ItemList @rest(path: "/a", paginate: { ${offset} })`,
    [/the default of first \(500\) must be from 1 to maxFirst \(100\)/],
  ],
  [
    "a parameter the path already sets",
    `a(first: Int, after: String): ItemList @rest(path: "/a?limit=5", paginate: { ${offset} })`,
    [/limit "limit" is already a query parameter of the path/],
  ],
  [
    "a parameter name that is not one",
    `a(first: Int, after: String): ItemList @rest(path: "/a", paginate: { style: OFFSET, items: "items", limit: "a&b", offset: "o" })`,
    [/limit "a&b" is not a query parameter name/],
  ],
  [
    "an items path that is not one",
    `a(first: Int, after: String): ItemList @rest(path: "/a", paginate: { style: LINK, items: "a..b" })`,
    [/items "a\.\.b" is not a dot path/],
  ],
  [
    "paginate with select",
    `a(first: Int, after: String): ItemList @rest(path: "/a", select: "data", paginate: { ${offset} })`,
    [/cannot be combined with select/],
  ],
];

describe("trestle check: paginate", () => {
  it.each(cases)("P15: %s is an error at file:line:col", (_name, field, expected) => {
    const found = check(field);
    expect(found).toHaveLength(expected.length);
    expected.forEach((pattern, i) => expect(found[i]).toMatch(pattern));
    for (const line of found) expect(line).toMatch(/^s\.graphql:2:\d+: /);
  });

  it("P15: the forms the docs show check clean", () => {
    expect(
      check(
        `a(first: Int = 20, after: String, last: Int, before: String): ItemList @rest(path: "/a?state={args.state}", paginate: { ${offset} }) b(first: Int, after: String): ItemList @rest(path: "/b", paginate: { style: LINK, items: "", limit: "per_page" })`,
      ),
    ).toEqual([expect.stringMatching(/has no argument "state"/)]);
    expect(
      check(
        `a(first: Int = 20, after: String, last: Int, before: String, state: String): ItemConnection @rest(path: "/a?state={args.state}", paginate: { ${offset}, total: "total" })`,
      ),
    ).toEqual([]);
  });
});
