import { describe, expect, it } from "vitest";
import type { UpstreamRequest } from "../../src/upstream/upstream-request.js";
import { createBatchResolver } from "../../src/connector/create-batch-resolver.js";
import type { BatchPlan, RestPlan } from "../../src/plan/schema-plan.js";
import type { UpstreamResponse } from "../../src/upstream/upstream-client.js";
import { jsonAnswer, operationAnswering, planOf, restFieldOf } from "./plan-fixture.js";

// Table tests for batched fields (src/connector/create-batch-resolver.ts): which keys one
// tick collects into which calls, and every bad key refused before anything is sent.

const plan = planOf(/* GraphQL */ `
  type Query {
    user(id: ID): User @rest(path: "/users/{args.id}", batch: { path: "/users?ids={keys}", key: "id", maxSize: 3 })
    users(ids: [ID]): [User] @rest(path: "/users/{args.ids}", batch: { path: "/users?id={keys*}", key: "id" })
    posts: [Post!]! @rest(path: "/posts")
  }
  type User {
    id: ID
    name: String
  }
  type Post {
    id: ID
    authorId: ID @from(path: "author_id")
    author: User! @rest(path: "/users/{parent.author_id}", batch: { path: "/users?ids={keys}", key: "id" })
    comments: [Comment!]! @rest(path: "/comments/{parent.id}", batch: { path: "/comments?post={keys}", key: "post_id" })
  }
  type Comment {
    id: ID
    postId: ID @from(path: "post_id")
  }
`);

function resolverOf(coordinate: string) {
  const { rest, field } = restFieldOf(plan, coordinate);
  return createBatchResolver(rest as RestPlan & { batch: BatchPlan }, field);
}

/** Resolves `calls` (parent, args) in one tick against one operation; the upstream answers from `answer`. */
async function expectBatch(
  coordinate: string,
  calls: Array<[unknown, Record<string, unknown>]>,
  answer: (request: UpstreamRequest) => UpstreamResponse,
) {
  const resolve = resolverOf(coordinate);
  const { operation, sent } = operationAnswering(answer);
  const results = await Promise.all(
    calls.map(([parent, args]) =>
      Promise.resolve()
        .then(() => resolve(parent, args, { trestle: operation }))
        .then(
          (value) => (Array.isArray(value) ? value.map((v) => (v instanceof Error ? { error: (v as { code?: string }).code } : v)) : value),
          (error: { code?: string; message: string }) => ({ error: error.code, message: error.message }),
        ),
    ),
  );
  return expect({ results, sent: sent.map((r) => r.path) });
}

/** An upstream that answers each `?ids=` key it is asked for with `{ id, name }`. */
const users = (request: UpstreamRequest) => {
  const url = new URL(request.path, "http://x");
  const ids = url.searchParams.getAll("id").length > 0 ? url.searchParams.getAll("id") : (url.searchParams.get("ids") ?? "").split(",");
  return jsonAnswer(
    200,
    ids.filter((id) => id !== "missing").map((id) => ({ id, name: `n-${id}` })),
  );
};

describe("createBatchResolver: one tick, few calls", () => {
  it("four keys with maxSize 3 → two calls; a repeated key is asked once", async () => {
    (
      await expectBatch(
        "Query.user",
        [
          [undefined, { id: "a" }],
          [undefined, { id: "b" }],
          [undefined, { id: "a" }],
          [undefined, { id: "c" }],
          [undefined, { id: "d" }],
        ],
        users,
      )
    ).toEqual({
      results: ["a", "b", "a", "c", "d"].map((id) => ({ id, name: `n-${id}` })),
      sent: ["/v1/users?ids=a,b,c", "/v1/users?ids=d"],
    });
  });

  it("{keys*} repeats the parameter; a list-valued key resolves element-wise, numbers and strings alike", async () => {
    (await expectBatch("Query.users", [[undefined, { ids: ["x", 2, "missing"] }]], users)).toEqual({
      results: [[{ id: "x", name: "n-x" }, { id: "2", name: "n-2" }, null]],
      sent: ["/v1/users?id=x&id=2&id=missing"],
    });
  });

  it("a key with a comma is encoded on its own (%2C), so it cannot split into two keys", async () => {
    (await expectBatch("Query.user", [[undefined, { id: "a,b" }]], users)).toMatchObject({ sent: ["/v1/users?ids=a%2Cb"] });
  });

  it("keys from the parent: a null key is a null field, nothing sent; a missing item of a non-null field is UPSTREAM_ERROR", async () => {
    (
      await expectBatch(
        "Post.author",
        [
          [{ author_id: "u1" }, {}],
          [{ author_id: null }, {}],
          [{ author_id: "missing" }, {}],
        ],
        users,
      )
    ).toEqual({
      results: [
        { id: "u1", name: "n-u1" },
        null,
        { error: "UPSTREAM_ERROR", message: 'Upstream "api" batch answer has no item for key "missing" of non-null field Post.author.' },
      ],
      sent: ["/v1/users?ids=u1,missing"],
    });
  });

  it("a list field gets every item with its key (one-to-many)", async () => {
    const comments = () =>
      jsonAnswer(200, [
        { id: "c1", post_id: "p1" },
        { id: "c2", post_id: "p1" },
        { id: "c3", post_id: "p2" },
      ]);
    (
      await expectBatch(
        "Post.comments",
        [
          [{ id: "p1" }, {}],
          [{ id: "p2" }, {}],
          [{ id: "p3" }, {}],
        ],
        comments,
      )
    ).toEqual({
      results: [
        [
          { id: "c1", post_id: "p1" },
          { id: "c2", post_id: "p1" },
        ],
        [{ id: "c3", post_id: "p2" }],
        [],
      ],
      sent: ["/v1/comments?post=p1,p2,p3"],
    });
  });

  it.each([
    ["a 404", () => jsonAnswer(404, {}), [null]],
    [
      "two items for one key",
      () => jsonAnswer(200, [{ id: "a" }, { id: "a" }]),
      [{ error: "UPSTREAM_BAD_RESPONSE", message: 'Upstream "api" batch answer has 2 items for key "a" of Query.user.' }],
    ],
    ["a 500", () => jsonAnswer(500, {}), [{ error: "UPSTREAM_ERROR", message: 'Upstream "api" answered 500.' }]],
  ])("the batch call answers %s", async (_case, answer, results) => {
    (await expectBatch("Query.user", [[undefined, { id: "a" }]], answer)).toEqual({ results, sent: ["/v1/users?ids=a"] });
  });
});

describe("createBatchResolver: every bad key is BAD_USER_INPUT before any call", () => {
  it.each<[string, unknown]>([
    ["empty", ""],
    ["dot", "."],
    ["dot-dot", ".."],
    ["NUL", "a\u0000"],
    ["LF", "a\nb"],
    ["DEL", "\u007f"],
    ["NaN", Number.NaN],
    ["Infinity", Number.POSITIVE_INFINITY],
    ["an object", { id: 1 }],
    ["a boolean", true],
  ])("args.id %s", async (_class, id) => {
    (
      await expectBatch(
        "Query.user",
        [
          [undefined, { id }],
          [undefined, { id: "ok" }],
        ],
        users,
      )
    ).toEqual({
      results: [
        {
          error: "BAD_USER_INPUT",
          message: expect.stringMatching(
            /^Key \{args\.id\} of Query\.user cannot be .* \(argument\): keys must be non-empty strings or numbers/,
          ),
        },
        { id: "ok", name: "n-ok" },
      ],
      sent: ["/v1/users?ids=ok"],
    });
  });

  it("a missing argument key is BAD_USER_INPUT; a bad key inside a list fails the whole field", async () => {
    (await expectBatch("Query.user", [[undefined, {}]], users)).toEqual({
      results: [{ error: "BAD_USER_INPUT", message: "Key {args.id} of Query.user has no value." }],
      sent: [],
    });
    (await expectBatch("Query.users", [[undefined, { ids: ["a", ".."] }]], users)).toMatchObject({
      results: [{ error: "BAD_USER_INPUT" }],
      sent: [],
    });
  });

  it("a bad key from the upstream's answer names where it came from", async () => {
    (await expectBatch("Post.author", [[{ author_id: ".." }, {}]], users)).toMatchObject({
      results: [{ error: "BAD_USER_INPUT", message: expect.stringContaining("(a value from the upstream answer)") }],
      sent: [],
    });
  });
});

describe("createBatchResolver: the answer's shape", () => {
  it.each([
    ["a list", [{ id: "a", name: "l" }]],
    ["an object keyed by id", { a: { id: "a", name: "l" } }],
    ["a wrapper holding one list", { items: [{ id: "a", name: "l" }] }],
  ])("%s", async (_shape, body) => {
    (await expectBatch("Query.user", [[undefined, { id: "a" }]], () => jsonAnswer(200, body))).toEqual({
      results: [{ id: "a", name: "l" }],
      sent: ["/v1/users?ids=a"],
    });
  });

  it("a list item without its key refuses the whole answer", async () => {
    (await expectBatch("Query.user", [[undefined, { id: "a" }]], () => jsonAnswer(200, [{ id: "a" }, { name: "keyless" }]))).toMatchObject({
      results: [{ error: "UPSTREAM_BAD_RESPONSE" }],
    });
  });
});
