import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import type { GraphQLResult } from "../helpers/graphql.js";
import { sendJson, startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";

// S05: list sizes and key lists given by variables are costed with the request's values, in
// both lanes (JSON POST: the fast lane; GET: yoga's), before any upstream call.
let upstream: TestUpstream;
let trestle: Trestle;

const sdl = (url: string) => /* GraphQL */ `
  extend schema @upstream(name: "api", baseUrl: "${url}")
  type Query {
    users(first: Int): [User!]! @rest(path: "/users?first={args.first}")
    usersByIds(ids: [ID!]!): [User] @rest(path: "/users/{args.ids}", batch: { path: "/users?ids={keys}", key: "id", maxSize: 50 })
    search(filter: UserFilter): [User!]! @rest(path: "/search?ids={args.filter.ids}")
    user(id: ID!): User @rest(path: "/users/{args.id}")
  }
  input UserFilter { ids: [ID!], name: String }
  type User {
    id: ID!
    name: String
    friends(first: Int): [User!]! @rest(path: "/users/{parent.id}/friends?first={args.first}")
    best: User @rest(path: "/users/{parent.best_id}")
  }
`;

const user = (id: string) => ({ id, name: `user ${id}`, best_id: `b-${id}` });

beforeAll(async () => {
  upstream = await startTestUpstream((req, res) => {
    const url = new URL(req.url, "http://upstream");
    const friends = /^\/users\/([^/]+)\/friends$/.exec(url.pathname);
    if (friends)
      return sendJson(
        res,
        200,
        Array.from({ length: Number(url.searchParams.get("first") ?? 3) }, (_, i) => user(`${friends[1]}-f${i}`)),
      );
    if (url.pathname === "/users" && url.searchParams.has("ids"))
      return sendJson(res, 200, url.searchParams.get("ids")!.split(",").map(user));
    if (url.pathname === "/users")
      return sendJson(
        res,
        200,
        Array.from({ length: Number(url.searchParams.get("first") ?? 3) }, (_, i) => user(`u${i}`)),
      );
    if (url.pathname === "/search")
      return sendJson(
        res,
        200,
        url.searchParams
          .getAll("ids")
          .flatMap((ids) => ids.split(","))
          .map(user),
      );
    sendJson(res, 200, user(decodeURIComponent(url.pathname.split("/")[2] ?? "")));
  });
  trestle = await createTestTrestle(sdl(upstream.url));
});
afterAll(async () => {
  await trestle.close();
  await upstream.close();
});
beforeEach(() => {
  upstream.requests.length = 0;
});

type Lane = "POST" | "GET";
const lanes: Lane[] = ["POST", "GET"];

/** One operation as a client sends it: a JSON POST (the fast lane) or a GET (yoga's lane). */
async function send(
  target: Trestle,
  lane: Lane,
  document: string,
  variables?: Record<string, unknown>,
  signal?: AbortSignal,
): Promise<GraphQLResult> {
  const accept = "application/graphql-response+json, application/json";
  const request =
    lane === "POST"
      ? new Request("http://t.test/graphql", {
          method: "POST",
          headers: { "content-type": "application/json", accept },
          body: JSON.stringify({ query: document, variables }),
          signal: signal ?? null,
        })
      : new Request(
          `http://t.test/graphql?${new URLSearchParams({ query: document, ...(variables ? { variables: JSON.stringify(variables) } : {}) })}`,
          { headers: { accept }, signal: signal ?? null },
        );
  const response = await target.fetch(request);
  return { status: response.status, ...((await response.json()) as Omit<GraphQLResult, "status">) };
}

const ids = (n: number, prefix = "") => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe("S05: sizes and key lists in variables are costed with their values", () => {
  const attacks: Array<[string, string, Record<string, unknown> | undefined, number]> = [
    ["a page size of 1999", `query($n: Int) { users(first: $n) { best { id } } }`, { n: 1999 }, 2000],
    ["60,000 ids for a batched root field", `query($ids: [ID!]!) { usersByIds(ids: $ids) { id } }`, { ids: ids(60_000) }, 1200],
    ["a default in the variable definition", `query Big($n: Int = 5000) { users(first: $n) { best { id } } }`, undefined, 5001],
    ["nested lists", `query($a: Int, $b: Int) { users(first: $a) { friends(first: $b) { best { id } } } }`, { a: 40, b: 40 }, 1641],
    [
      "fragments",
      `query($ids: [ID!]!) { ...Q } fragment Q on Query { usersByIds(ids: $ids) { ...U } } fragment U on User { best { id } }`,
      { ids: ids(1999) },
      2039,
    ],
    [
      "aliases, each within the limit",
      `query($a: [ID!]!, $b: [ID!]!) { x: usersByIds(ids: $a) { id } y: usersByIds(ids: $b) { id } }`,
      { a: ids(30_000, "a"), b: ids(30_000, "b") },
      1200,
    ],
    ["an id list inside an input object", `query($f: UserFilter) { search(filter: $f) { best { id } } }`, { f: { ids: ids(1500) } }, 1501],
    [
      "an id list inside an object literal",
      `query($ids: [ID!]) { search(filter: { name: "x", ids: $ids }) { best { id } } }`,
      { ids: ids(1500) },
      1501,
    ],
  ];

  it.each(lanes.flatMap((lane) => attacks.map(([name, document, variables, cost]) => [lane, name, document, variables, cost] as const)))(
    "S05 (%s): %s → 400 COST_LIMIT, no upstream call",
    async (lane, _name, document, variables, cost) => {
      const result = await send(trestle, lane, document, variables);
      expect(result.status).toBe(400);
      expect(result.data).toBeUndefined();
      expect(result.errors).toHaveLength(1);
      const name = document.startsWith("query Big") ? " Big" : "";
      expect(result.errors?.[0]).toMatchObject({
        message: `Operation${name} could make ${cost} upstream calls; the limit is 1000.`,
        extensions: { code: "COST_LIMIT" },
      });
      expect(upstream.requests).toHaveLength(0);
    },
  );

  it.each(
    lanes.flatMap((lane) =>
      (
        [
          ["a numeric string where an Int is expected", { n: "5000" }],
          ["an Int past 32 bits", { n: 2 ** 40 }],
          ["a fraction", { n: 5000.5 }],
        ] as const
      ).map(([name, variables]) => [lane, name, variables] as const),
    ),
  )("S05 (%s): %s is the client's BAD_USER_INPUT (400), not COST_LIMIT; no upstream call", async (lane, _name, variables) => {
    const result = await send(trestle, lane, `query($n: Int) { users(first: $n) { best { id } } }`, variables);
    expect(result.status).toBe(400);
    expect(result.data).toBeUndefined();
    expect(result.errors).toHaveLength(1);
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT" });
    expect(result.errors?.[0]?.message).toMatch(/Variable "\$n" got invalid value/);
    expect(upstream.requests).toHaveLength(0);
  });

  it("S05: both lanes give the same answer", async () => {
    const document = `query($n: Int) { users(first: $n) { best { id } } }`;
    const [post, get] = [await send(trestle, "POST", document, { n: 1999 }), await send(trestle, "GET", document, { n: 1999 })];
    expect(post).toEqual(get);
  });

  it.each(lanes)(
    "S05 (%s): a legitimate operation with small variable lists is served, and so is a normal user after an attack",
    async (lane) => {
      await send(trestle, lane, `query($ids: [ID!]!) { usersByIds(ids: $ids) { id } }`, { ids: ids(60_000) });
      const result = await send(
        trestle,
        lane,
        `query($ids: [ID!]!, $n: Int) { usersByIds(ids: $ids) { id best { id } } users(first: $n) { id } }`,
        { ids: ["1", "2", "3"], n: 2 },
      );
      expect(result.errors).toBeUndefined();
      expect(result.data).toEqual({
        usersByIds: [
          { id: "1", best: { id: "b-1" } },
          { id: "2", best: { id: "b-2" } },
          { id: "3", best: { id: "b-3" } },
        ],
        users: [{ id: "u0" }, { id: "u1" }],
      });
      // One batch call for the three ids, three `best`, one page of users.
      expect(upstream.requests.map((r) => r.url).sort()).toEqual([
        "/users/b-1",
        "/users/b-2",
        "/users/b-3",
        "/users?first=2",
        "/users?ids=1,2,3",
      ]);
    },
  );

  it.each(lanes)("S05 (%s): a variable's default is costed only when the request leaves the variable out", async (lane) => {
    const document = `query($n: Int = 5000) { users(first: $n) { best { id } } }`;
    const small = await send(trestle, lane, document, { n: 2 });
    expect(small.errors).toBeUndefined();
    expect(upstream.requests).toHaveLength(3);
    expect((await send(trestle, lane, document)).errors?.[0]?.extensions?.["code"]).toBe("COST_LIMIT");
    expect(upstream.requests).toHaveLength(3);
  });

  it("S05: a variable left out leaves the argument's default; null leaves the size unknown (assumed)", async () => {
    const withDefault = await createTestTrestle(sdl(upstream.url).replace("users(first: Int)", "users(first: Int = 2000)"));
    const omitted = await send(withDefault, "POST", `query($n: Int) { users(first: $n) { best { id } } }`);
    const nulled = await send(withDefault, "POST", `query($n: Int) { users(first: $n) { best { id } } }`, { n: null });
    await withDefault.close();
    expect(omitted.errors?.[0]?.message).toBe("Operation could make 2001 upstream calls; the limit is 1000.");
    // null: `first` is left out upstream; the cost assumes 20 items.
    expect(nulled.errors).toBeUndefined();
  });

  it("S05: a literal key list is costed at validation", async () => {
    const literal = `{ usersByIds(ids: [${ids(1100)
      .map((id) => `"${id}"`)
      .join(" ")}]) { best { id } } }`;
    const result = await send(trestle, "POST", literal);
    expect(result.errors?.[0]?.message).toBe("Operation could make 1122 upstream calls; the limit is 1000.");
    expect(upstream.requests).toHaveLength(0);
  });
});
