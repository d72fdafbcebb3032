import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { query } from "../helpers/graphql.js";
import { sendJson, startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";

// A counting upstream: 50 runs by 40 distinct users (10 of them twice), users in 8 teams.
const users = Array.from({ length: 60 }, (_, i) => ({ id: i + 1, name: `user-${i + 1}`, team_id: (i % 8) + 1 }));
const runs = Array.from({ length: 50 }, (_, i) => ({ id: `r${i + 1}`, user_id: i < 40 ? i + 1 : i - 39, reviewer_ids: [i + 1, i + 2] }));
const teams = Array.from({ length: 8 }, (_, i) => ({ id: String(i + 1), name: `team-${i + 1}` }));

let upstream: TestUpstream;
let failUsers = false;

function idsOf(url: URL): string[] {
  const all = url.searchParams.getAll("ids");
  return all.length === 1 ? all[0]!.split(",") : all;
}

beforeAll(async () => {
  upstream = await startTestUpstream((req, res) => {
    const url = new URL(req.url, "http://upstream");
    const path = url.pathname;
    if (path === "/runs") return sendJson(res, 200, { items: runs });
    if (path === "/users" && failUsers) return sendJson(res, 500, { detail: "down" });
    if (path === "/users") {
      const ids = idsOf(url);
      if (ids.includes("666")) return sendJson(res, 500, { detail: "boom" });
      // Shuffled and as strings: order and id types must not matter.
      const found = users.filter((u) => ids.includes(String(u.id))).reverse();
      return sendJson(
        res,
        200,
        found.map((u) => ({ ...u, id: String(u.id), auth: req.headers["authorization"] ?? null })),
      );
    }
    if (path === "/users:batchGet") {
      const ids = (JSON.parse(req.body) as { ids: unknown[] }).ids.map(String);
      return sendJson(res, 200, {
        users: Object.fromEntries(users.filter((u) => ids.includes(String(u.id))).map((u) => [String(u.id), u])),
      });
    }
    if (path === "/users-wrapped") return sendJson(res, 200, { data: users.filter((u) => idsOf(url).includes(String(u.id))), total: 3 });
    if (path === "/users-bad/string") return sendJson(res, 200, "nope");
    if (path === "/users-bad/nokey") return sendJson(res, 200, [{ name: "who?" }]);
    if (path === "/users-bad/dupes") return sendJson(res, 200, [users[0], users[0], users[1]]);
    if (path.startsWith("/users/")) {
      const user = users.find((u) => String(u.id) === path.slice(7));
      return user ? sendJson(res, 200, user) : sendJson(res, 404, {});
    }
    if (path === "/teams")
      return sendJson(
        res,
        200,
        teams.filter((t) => idsOf(url).includes(t.id)),
      );
    if (path.startsWith("/teams/")) return sendJson(res, 200, teams.find((t) => t.id === path.slice(7)) ?? null);
    if (path === "/posts") {
      const authors = idsOf(url);
      return sendJson(
        res,
        200,
        authors.flatMap((a) => [
          { id: `${a}-1`, author_id: Number(a) },
          { id: `${a}-2`, author_id: Number(a) },
        ]),
      );
    }
    sendJson(res, 404, {});
  });
});
afterAll(async () => upstream.close());
beforeEach(() => {
  upstream.requests.length = 0;
  failUsers = false;
});

const calls = () => upstream.requests.map((r) => `${r.method} ${decodeURIComponent(r.url)}`);

function schema(userField: string, teamField: string, extra = ""): string {
  return /* GraphQL */ `
    extend schema @upstream(name: "api", baseUrl: "${upstream.url}", naming: SNAKE_CASE,
                            headers: [{ name: "authorization", from: "authorization" }])
    type Query {
      runs: [Run!]! @rest(path: "/runs", select: "items")
      user(id: ID!): User ${userField.replace("{parent.user_id}", "{args.id}")}
      ${extra}
    }
    type Run { id: ID!, user: User ${userField}, reviewers: [User] ${userField.replace("{parent.user_id}", "{parent.reviewer_ids}")} }
    type User { id: ID!, name: String!, auth: String, team: Team ${teamField} }
    type Team { id: ID!, name: String! }
  `;
}

const usersBatch = (options = "") => `@rest(path: "/users/{parent.user_id}", batch: { path: "/users?ids={keys}", key: "id"${options} })`;
const teamsBatch = `@rest(path: "/teams/{parent.team_id}", batch: { path: "/teams?ids={keys*}", key: "id" })`;

describe("batching", () => {
  let trestle: Trestle;
  beforeAll(async () => {
    trestle = await createTestTrestle(
      schema(
        usersBatch(),
        teamsBatch,
        `users(ids: [ID!]!): [User] @rest(path: "/users/{args.ids}", batch: { path: "/users?ids={keys}", key: "id" })
         postsBy(authors: [ID!]!): [User] @rest(path: "/users/{args.authors}", batch: { method: POST, path: "/users:batchGet", body: "{\\"ids\\": {keys}}", key: "id", select: "users" })`,
      ),
      { debug: true },
    );
  });
  afterAll(async () => trestle.close());

  it("answers the N+1 query with exactly one call per level", async () => {
    const result = await query(trestle, `{ runs { id user { name team { name } } } }`);
    expect(result.errors).toBeUndefined();
    const list = result.data?.["runs"] as Array<{ id: string; user: { name: string; team: { name: string } } }>;
    expect(list).toHaveLength(50);
    expect(list[45]).toEqual({ id: "r46", user: { name: "user-6", team: { name: "team-6" } } });
    expect(calls()).toEqual([
      "GET /runs",
      `GET /users?ids=${Array.from({ length: 40 }, (_, i) => i + 1).join(",")}`,
      `GET /teams?${Array.from({ length: 8 }, (_, i) => `ids=${i + 1}`).join("&")}`,
    ]);
    expect((result.extensions?.["trestle"] as { upstreamCallCount: number }).upstreamCallCount).toBe(3);
  });

  it("puts answers back in key order whatever order and id type the upstream uses", async () => {
    const result = await query(trestle, `{ users(ids: ["3", "1", "2"]) { id name } }`);
    expect(result.data).toEqual({
      users: [
        { id: "3", name: "user-3" },
        { id: "1", name: "user-1" },
        { id: "2", name: "user-2" },
      ],
    });
    expect(calls()).toEqual(["GET /users?ids=3,1,2"]);
  });

  it("resolves a key with no item to null", async () => {
    const result = await query(trestle, `{ users(ids: ["1", "999"]) { name } }`);
    expect(result).toMatchObject({ data: { users: [{ name: "user-1" }, null] } });
    expect(result.errors).toBeUndefined();
  });

  it("batches aliases and fields at different nesting paths into one call per tick", async () => {
    const result = await query(trestle, `{ a: user(id: "1") { name } b: user(id: "2") { name } c: users(ids: ["2", "3"]) { name } }`);
    expect(result.errors).toBeUndefined();
    expect(calls()).toEqual(["GET /users?ids=1,2,3"]);
  });

  it("resolves a list key from the parent element-wise, sharing the loader with every other field", async () => {
    const result = await query(trestle, `{ runs { user { name } reviewers { name } } }`);
    expect(result.errors).toBeUndefined();
    const list = result.data?.["runs"] as Array<{ user: { name: string }; reviewers: Array<{ name: string }> }>;
    expect(list[0]).toEqual({ user: { name: "user-1" }, reviewers: [{ name: "user-1" }, { name: "user-2" }] });
    expect(calls()).toEqual(["GET /runs", `GET /users?ids=${Array.from({ length: 51 }, (_, i) => i + 1).join(",")}`]);
  });

  it("supports POST batch endpoints answering an object keyed by id under select", async () => {
    const result = await query(trestle, `{ postsBy(authors: ["2", "1", "77"]) { name } }`);
    expect(result.data).toEqual({ postsBy: [{ name: "user-2" }, { name: "user-1" }, null] });
    expect(upstream.requests.map((r) => [r.method, r.url, r.body])).toEqual([["POST", "/users:batchGet", '{"ids": ["2","1","77"]}']]);
  });

  it("errors exactly the fields a failed batch call served", async () => {
    const result = await query(trestle, `{ a: users(ids: ["1", "666"]) { name } runs { id } }`);
    expect((result.data?.["runs"] as unknown[]).length).toBe(50);
    expect(result.data?.["a"]).toEqual([null, null]);
    expect(result.errors?.map((e) => [e.path?.join("."), e.extensions?.["code"]])).toEqual([
      ["a.0", "UPSTREAM_ERROR"],
      ["a.1", "UPSTREAM_ERROR"],
    ]);
  });

  it("refuses unsafe keys from clients and from upstream answers without calling", async () => {
    const result = await query(trestle, `{ users(ids: ["1", ".."]) { name } }`);
    expect(result.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
    expect(calls()).toEqual([]);
  });
});

describe("maxSize", () => {
  it("L02: splits batches over maxSize, and a failed chunk errors only its own fields", async () => {
    const trestle = await createTestTrestle(
      schema(
        usersBatch(", maxSize: 15"),
        teamsBatch,
        `users(ids: [ID!]!): [User] @rest(path: "/users/{args.ids}", batch: { path: "/users?ids={keys}", key: "id", maxSize: 15 })`,
      ),
    );
    const ok = await query(trestle, `{ runs { user { name } } }`);
    expect(ok.errors).toBeUndefined();
    expect(
      calls()
        .slice(1)
        .map((c) => c.split("=")[1]!.split(",").length),
    ).toEqual([15, 15, 10]);
    upstream.requests.length = 0;
    const ids = [...Array.from({ length: 15 }, (_, i) => String(i + 1)), "666"];
    const partial = await query(trestle, `query($ids: [ID!]!) { users(ids: $ids) { name } }`, { ids });
    await trestle.close();
    const list = partial.data?.["users"] as Array<{ name: string } | null>;
    expect(list.slice(0, 15).every((user, i) => user?.name === `user-${i + 1}`)).toBe(true);
    expect(list[15]).toBeNull();
    expect(partial.errors?.map((e) => e.path?.join("."))).toEqual(["users.15"]);
    expect(calls()).toHaveLength(2);
  });
});

describe("without batch", () => {
  it("de-duplicates: 1 + distinct keys per level", async () => {
    const trestle = await createTestTrestle(schema(`@rest(path: "/users/{parent.user_id}")`, `@rest(path: "/teams/{parent.team_id}")`), {
      debug: true,
    });
    const result = await query(trestle, `{ runs { user { name team { name } } } again: runs { id } }`);
    await trestle.close();
    expect(result.errors).toBeUndefined();
    expect(calls().filter((c) => c === "GET /runs")).toHaveLength(1);
    expect(calls().filter((c) => c.startsWith("GET /users/"))).toHaveLength(40);
    expect(calls().filter((c) => c.startsWith("GET /teams/"))).toHaveLength(8);
    expect(calls()).toHaveLength(49);
  });
});

describe("batch answer shapes", () => {
  async function run(batchPath: string, extra = ""): Promise<Awaited<ReturnType<typeof query>>> {
    const trestle = await createTestTrestle(
      schema(`@rest(path: "/users/{parent.user_id}", batch: { path: "${batchPath}", key: "id"${extra} })`, teamsBatch),
    );
    const result = await query(trestle, `{ user(id: "1") { name } other: user(id: "2") { name } }`);
    await trestle.close();
    return result;
  }

  it("finds the list inside a wrapper object without configuration", async () => {
    expect((await run("/users-wrapped?ids={keys}")).data).toEqual({ user: { name: "user-1" }, other: { name: "user-2" } });
  });

  it("refuses an answer that is not a list or keyed object", async () => {
    const result = await run("/users-bad/string?ids={keys}");
    expect(result.data).toEqual({ user: null, other: null });
    expect(result.errors?.map((e) => e.extensions?.["code"])).toEqual(["UPSTREAM_BAD_RESPONSE", "UPSTREAM_BAD_RESPONSE"]);
    expect(result.errors?.[0]?.message).toBe('Upstream "api" batch answer is string, not a list or an object keyed by id.');
  });

  it("refuses a list with an item that lacks the key", async () => {
    const result = await run("/users-bad/nokey?ids={keys}");
    expect(result.errors?.[0]?.message).toBe('Upstream "api" batch answer has an item (#0) without a usable "id" key.');
    expect(result.data).toEqual({ user: null, other: null });
  });

  it("errors only the key that has duplicate items", async () => {
    const result = await run("/users-bad/dupes?ids={keys}");
    expect(result.data).toEqual({ user: null, other: { name: "user-2" } });
    expect(result.errors?.map((e) => [e.path?.join("."), e.message])).toEqual([
      ["user", 'Upstream "api" batch answer has 2 items for key "1" of Query.user.'],
    ]);
  });

  it("errors a non-null field whose key has no item", async () => {
    const trestle = await createTestTrestle(
      `extend schema @upstream(name: "api", baseUrl: "${upstream.url}")
       type Query { user(id: ID!): User! @rest(path: "/users/{args.id}", batch: { path: "/users?ids={keys}", key: "id" }) }
       type User { name: String }`,
    );
    const result = await query(trestle, `{ user(id: "999") { name } }`);
    await trestle.close();
    expect(result.errors?.[0]?.extensions).toEqual({ code: "UPSTREAM_ERROR", status: 404, upstream: "api" });
  });

  it("gives a list field with one key every matching item (one-to-many)", async () => {
    const trestle = await createTestTrestle(
      `extend schema @upstream(name: "api", baseUrl: "${upstream.url}")
       type Query { users: [User!]! @rest(path: "/users?ids=1,2") }
       type User { id: ID!, posts: [Post!]! @rest(path: "/posts?author={parent.id}", batch: { path: "/posts?ids={keys}", key: "author_id" }) }
       type Post { id: ID! }`,
    );
    const result = await query(trestle, `{ users { id posts { id } } }`);
    await trestle.close();
    expect(result.data).toEqual({
      users: [
        { id: "2", posts: [{ id: "2-1" }, { id: "2-2" }] },
        { id: "1", posts: [{ id: "1-1" }, { id: "1-2" }] },
      ],
    });
    expect(calls().filter((c) => c.startsWith("GET /posts"))).toEqual(["GET /posts?ids=2,1"]);
  });
});

describe("isolation between operations", () => {
  it("never shares a loader entry between concurrent operations with different credentials", async () => {
    // The loader alone: the shared cache would coalesce alice's two concurrent reads (one identity, C17).
    const trestle = await createTestTrestle(schema(usersBatch(), teamsBatch), { cache: { enabled: false } });
    const ask = (token: string) => query(trestle, `{ user(id: "1") { name auth } }`, {}, { authorization: token });
    const results = await Promise.all([ask("Bearer alice"), ask("Bearer bob"), ask("Bearer alice")]);
    await trestle.close();
    expect(results.map((r) => (r.data?.["user"] as { auth: string }).auth)).toEqual(["Bearer alice", "Bearer bob", "Bearer alice"]);
    expect(upstream.requests.map((r) => r.headers["authorization"]).sort()).toEqual(["Bearer alice", "Bearer alice", "Bearer bob"]);
  });
});
