import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { query } from "../helpers/graphql.js";
import { graphqlRoutes, queryOver } from "../helpers/graphql-routes.js";
import { sendJson, startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";

// Error details from a node:http upstream that answers as Pydantic v2 and RFC 9457 do, and as
// an attacker or a broken upstream would: huge, deep, with internal addresses, `__proto__`
// keys, a credential echoed, not JSON. Each gives a clear, capped error, and the next user is
// served. Also: enums that grew (a list item, an @enumValue enum) and 204s.

let upstream: TestUpstream;
let trestle: Trestle;
let debugTrestle: Trestle;
const apiKey = "sk-live-9f8e7d6c5b4a";
const hugeBody = JSON.stringify({
  detail: Array.from({ length: 75_000 }, (_, i) => ({ loc: ["body", "rows", i], msg: "not a number", type: "type_error" })),
});

function send(res: Parameters<typeof sendJson>[0], status: number, text: string, type = "application/json") {
  res.writeHead(status, { "content-type": type, "x-backend-host": "gpu-node-7.internal" });
  res.end(text);
}

beforeAll(async () => {
  upstream = await startTestUpstream((req, res) => {
    const path = req.url.split("?")[0] ?? "";
    switch (path) {
      case "/ok":
        return sendJson(res, 200, { id: "1", name: "ok" });
      case "/v2":
        return sendJson(res, 422, {
          detail: [
            {
              type: "missing",
              loc: ["body", "prompt"],
              msg: "Field required",
              input: { model: "m", secret_note: "x".repeat(10_000) },
              url: "https://errors.pydantic.dev/2.5/v/missing",
            },
            {
              type: "less_than_equal",
              loc: ["query", "limit"],
              msg: "Input should be less than or equal to 100",
              input: "500",
              ctx: { le: 100 },
              url: "https://errors.pydantic.dev/2.5/v/less_than_equal",
            },
            {
              type: "value_error",
              loc: ["body", "temperature"],
              msg: "Value error, bad temperature",
              input: 9,
              ctx: { error: {} },
              url: "https://errors.pydantic.dev/2.5/v/value_error",
            },
          ],
        });
      case "/problem":
        return send(
          res,
          403,
          JSON.stringify({
            type: "https://example.com/probs/out-of-credit",
            title: "You do not have enough credit.",
            status: 403,
            detail: "Your current balance is 30, but that costs 50.",
            instance: `${upstream.url}/account/12345/msgs/abc`,
            balance: 30,
            accounts: ["/account/12345", "/account/67890"],
          }),
          "application/problem+json",
        );
      case "/huge":
        return send(res, 422, hugeBody);
      case "/deep":
        return send(res, 422, `{"detail": ${"[".repeat(10_000)}1${"]".repeat(10_000)}}`);
      case "/internal":
        return sendJson(res, 409, {
          detail: {
            error: "conflict",
            retry_at: `${upstream.url}/jobs/7`,
            backend: "http://10.0.3.7:8080/v1/jobs",
            replica: "gpu-node-7.internal",
            db: "postgres-main:5432",
            docs: "https://docs.example.com/errors/conflict",
          },
        });
      case "/proto":
        return send(
          res,
          409,
          '{"detail": {"__proto__": {"isAdmin": true}, "constructor": {"prototype": {"isAdmin": true}}, "error": "conflict"}}',
        );
      case "/echo":
        return sendJson(res, 401, { detail: `invalid api key ${req.headers["x-api-key"]}` });
      case "/html":
        return send(res, 422, "<html><body>Unprocessable at 10.0.0.3</body></html>", "text/html");
      case "/lying-json":
        return send(res, 422, "Traceback (most recent call last): ...", "application/json");
      case "/nested":
        return sendJson(res, 422, { error: { code: "bad_prompt", details: [{ field: "prompt", reason: "too long" }] } });
      case "/server":
        return sendJson(res, 500, { detail: [{ loc: ["body"], msg: "psycopg2.OperationalError at db-7", type: "internal" }] });
      case "/users":
        return sendJson(res, 422, {
          detail: [{ loc: ["query", "ids"], msg: "ensure this value has at most 2 items", type: "value_error.list.max_items" }],
        });
      case "/gone":
        return sendJson(res, 404, { detail: "Job not found" });
      case "/no-content":
        return void res.writeHead(204).end();
      case "/empty-200":
        return void res.writeHead(200, { "content-type": "application/json", "content-length": "0" }).end();
      case "/json-null":
        return sendJson(res, 200, null);
      case "/jobs":
        return sendJson(res, 200, [
          { id: "a", state: "queued", tags: ["gpu", "fast"], family: "gpt-4o" },
          { id: "b", state: "paused", tags: ["gpu", "spot", "fast"], family: "gpt-5" },
          { id: "c", state: "done", tags: [], family: "o1" },
        ]);
      default:
        return sendJson(res, 404, {});
    }
  });
  const sdl = /* GraphQL */ `
    extend schema @upstream(name: "api", baseUrl: "${upstream.url}", retry: { attempts: 0 }, breaker: { failures: 0 },
      headers: [{ name: "x-api-key", value: "{env.API_KEY}" }], errors: { expose: [401, 403, 404, 409, 422] })
    enum State { queued running done }
    enum Tag { gpu fast }
    enum Family { GPT_4O @enumValue(value: "gpt-4o") O1 @enumValue(value: "o1") }
    type Item { id: ID!, name: String }
    type Job { id: ID!, state: State, tags: [Tag], family: Family }
    type Query {
      ok: Item @rest(path: "/ok")
      v2: Item @rest(path: "/v2")
      problem: Item @rest(path: "/problem")
      huge: Item @rest(path: "/huge")
      deep: Item @rest(path: "/deep")
      internal: Item @rest(path: "/internal")
      proto: Item @rest(path: "/proto")
      echo: Item @rest(path: "/echo")
      html: Item @rest(path: "/html")
      lyingJson: Item @rest(path: "/lying-json")
      nested: Item @rest(path: "/nested", errors: { expose: [422], detail: "error.details" })
      missingPath: Item @rest(path: "/nested")
      server: Item @rest(path: "/server")
      jobs: [Job!]! @rest(path: "/jobs")
      gone: Item @rest(path: "/gone")
      mustExist: Item! @rest(path: "/gone")
      users(ids: [ID!]!): [Item] @rest(path: "/users/{args.ids}", batch: { path: "/users?ids={keys}", key: "id" })
    }
    type Mutation {
      cancel: Boolean @rest(method: POST, path: "/gone")
      stop: Boolean @rest(method: DELETE, path: "/no-content")
      stopEmpty: Boolean @rest(method: DELETE, path: "/empty-200")
      stopNull: Boolean @rest(method: DELETE, path: "/json-null")
      stopItem: Item @rest(method: DELETE, path: "/no-content")
    }
  `;
  trestle = await createTestTrestle(sdl, { env: { API_KEY: apiKey } });
  debugTrestle = await createTestTrestle(sdl, { env: { API_KEY: apiKey }, debug: true });
});
afterAll(async () => {
  await Promise.all([trestle.close(), debugTrestle.close()]);
  await upstream.close();
});

/** The one error of `{ ok { id } <field> { id } }`, after checking the other field resolved; then a normal user is served. */
async function errorOf(field: string) {
  const result = await query(trestle, `{ ok { id } ${field} { id } }`);
  expect(result.status).toBe(200);
  expect(result.data).toEqual({ ok: { id: "1" }, [field]: null });
  expect(result.errors).toHaveLength(1);
  expect(await query(trestle, `{ ok { name } }`)).toEqual({ status: 200, data: { ok: { name: "ok" } } });
  const error = result.errors![0]!;
  expect(error.path).toEqual([field]);
  return { error, extensions: error.extensions ?? {}, raw: JSON.stringify(result) };
}

describe("recognised shapes", () => {
  it("Pydantic v2 items keep type, loc, msg and ctx; input (user data) and url are dropped", async () => {
    const { error, raw } = await errorOf("v2");
    expect(error.message).toBe('Upstream "api" answered 422: Field required (at body.prompt)');
    expect(error.extensions).toEqual({
      code: "UPSTREAM_ERROR",
      upstream: "api",
      status: 422,
      details: [
        { type: "missing", loc: ["body", "prompt"], msg: "Field required" },
        { type: "less_than_equal", loc: ["query", "limit"], msg: "Input should be less than or equal to 100", ctx: { le: 100 } },
        { type: "value_error", loc: ["body", "temperature"], msg: "Value error, bad temperature", ctx: { error: {} } },
      ],
    });
    expect(raw).not.toContain("secret_note");
    expect(raw).not.toContain("pydantic.dev");
  });

  it("an RFC 9457 problem: shown whole but its absolute instance URL, never a header", async () => {
    const { error, raw } = await errorOf("problem");
    expect(error.message).toBe('Upstream "api" answered 403: Your current balance is 30, but that costs 50.');
    expect(error.extensions).toEqual({
      code: "UPSTREAM_ERROR",
      upstream: "api",
      status: 403,
      details: {
        type: "https://example.com/probs/out-of-credit",
        title: "You do not have enough credit.",
        status: 403,
        detail: "Your current balance is 30, but that costs 50.",
        balance: 30,
        accounts: ["/account/12345", "/account/67890"],
      },
    });
    expect(raw).not.toContain("msgs/abc");
    expect(raw).not.toContain("gpu-node-7");
  });

  it("a detail path into a nested body; a path that holds nothing gives no details", async () => {
    expect((await errorOf("nested")).extensions["details"]).toEqual([{ field: "prompt", reason: "too long" }]);
    const missing = await errorOf("missingPath");
    expect(missing.error.message).toBe('Upstream "api" answered 422.');
    expect(missing.extensions).toEqual({ code: "UPSTREAM_ERROR", upstream: "api", status: 422 });
  });
});

describe("bodies sent as an attacker (or a broken upstream) would", () => {
  it("a 5 MB detail list: its first items within 16 KiB, detailsTruncated", async () => {
    const { error, extensions, raw } = await errorOf("huge");
    expect(error.message).toBe('Upstream "api" answered 422: not a number (at body.rows.0)');
    const details = extensions["details"] as unknown[];
    expect(details[0]).toEqual({ loc: ["body", "rows", 0], msg: "not a number", type: "type_error" });
    expect(details.length).toBeGreaterThan(100);
    expect(hugeBody.length).toBeGreaterThan(5_000_000);
    expect(details.length).toBeLessThan(1000);
    expect(Buffer.byteLength(JSON.stringify(details))).toBeLessThanOrEqual(16 * 1024);
    expect(extensions["detailsTruncated"]).toBe(true);
    expect(raw.length).toBeLessThan(20_000);
  });

  it("a detail nested 10,000 levels: cut at 8, detailsTruncated", async () => {
    const { extensions } = await errorOf("deep");
    expect(extensions["details"]).toEqual([[[[[[[[]]]]]]]]);
    expect(extensions["detailsTruncated"]).toBe(true);
  });

  it("the upstream's own URL, private addresses and internal names are removed; a public URL stays", async () => {
    const { extensions, raw } = await errorOf("internal");
    expect(extensions["details"]).toEqual({
      error: "conflict",
      retry_at: "[address removed]",
      backend: "[address removed]",
      replica: "[address removed]",
      db: "[address removed]",
      docs: "https://docs.example.com/errors/conflict",
    });
    expect(raw).not.toContain(upstream.url.replace("http://", ""));
    expect(raw).not.toContain("10.0.3.7");
  });

  it("__proto__, constructor and prototype keys are dropped, and nothing is polluted", async () => {
    const { extensions } = await errorOf("proto");
    expect(extensions["details"]).toEqual({ error: "conflict" });
    expect(({} as Record<string, unknown>)["isAdmin"]).toBeUndefined();
  });

  it("a credential the call sent, echoed back, is removed", async () => {
    const { error, raw } = await errorOf("echo");
    expect(error.message).toBe('Upstream "api" answered 401: [header value removed]');
    expect(error.extensions?.["details"]).toBe("[header value removed]");
    expect(raw).not.toContain(apiKey);
  });

  it.each([
    ["html", "an HTML body"],
    ["lyingJson", "a body that says JSON and is not"],
  ])("%s: %s gives no details, only status and code", async (field) => {
    const { error, raw } = await errorOf(field);
    expect(error.message).toBe('Upstream "api" answered 422.');
    expect(error.extensions).toEqual({ code: "UPSTREAM_ERROR", upstream: "api", status: 422 });
    expect(raw).not.toContain("10.0.0.3");
    expect(raw).not.toContain("Traceback");
  });

  it("a 500 is masked whatever its body looks like", async () => {
    const { error, raw } = await errorOf("server");
    expect(error.message).toBe('Upstream "api" answered 500.');
    expect(error.extensions).toEqual({ code: "UPSTREAM_ERROR", upstream: "api", status: 500 });
    expect(raw).not.toContain("psycopg2");
  });

  it("a failed batch call shows its details on each item it served", async () => {
    const result = await query(trestle, `{ users(ids: ["1", "2", "3"]) { id } }`);
    expect(result.data).toEqual({ users: [null, null, null] });
    const details = [{ loc: ["query", "ids"], msg: "ensure this value has at most 2 items", type: "value_error.list.max_items" }];
    const message = 'Upstream "api" answered 422: ensure this value has at most 2 items (at query.ids)';
    expect(result.errors?.map((e) => [e.path, e.message, e.extensions?.["details"]])).toEqual(
      [0, 1, 2].map((i) => [["users", i], message, details]),
    );
  });

  it("--debug stays as it was: the body excerpt under debug, beside the details", async () => {
    const result = await query(debugTrestle, `{ echo { id } }`);
    const extensions = result.errors?.[0]?.extensions ?? {};
    expect(extensions["details"]).toBe("[header value removed]");
    expect(extensions["debug"]).toEqual({ request: "GET /echo", body: expect.stringContaining("invalid api key") });
  });
});

describe("honest nulls", () => {
  it("a 404: null on a nullable Query field, an error on a non-null one and on a Mutation field", async () => {
    expect(await query(trestle, `{ gone { id } }`)).toEqual({ status: 200, data: { gone: null } });
    const required = await query(trestle, `{ mustExist { id } }`);
    expect(required.errors?.map((e) => [e.message, e.extensions])).toEqual([
      [
        'Upstream "api" answered 404 for non-null field Query.mustExist: Job not found',
        { code: "UPSTREAM_ERROR", upstream: "api", status: 404, details: "Job not found" },
      ],
    ]);
    const mutation = await query(trestle, `mutation { cancel }`);
    expect(mutation.data).toEqual({ cancel: null });
    expect(mutation.errors?.map((e) => [e.message, e.path, e.extensions?.["code"], e.extensions?.["status"]])).toEqual([
      ['Upstream "api" answered 404: Job not found', ["cancel"], "UPSTREAM_ERROR", 404],
    ]);
  });

  it("an empty 2xx: true for a Boolean field, null without error otherwise; a JSON null stays null", async () => {
    const result = await query(trestle, `mutation { stop stopEmpty stopNull stopItem { id } }`);
    expect(result).toEqual({ status: 200, data: { stop: true, stopEmpty: true, stopNull: null, stopItem: null } });
  });
});

describe("enums that grew upstream: an error on that field (or list item) only", () => {
  for (const route of graphqlRoutes) {
    const sendOver = queryOver(route);
    it(`${route}: unknown state, tag and @enumValue family`, async () => {
      const result = await sendOver(trestle, `{ jobs { id state tags family } }`);
      expect(result.data).toEqual({
        jobs: [
          { id: "a", state: "queued", tags: ["gpu", "fast"], family: "GPT_4O" },
          { id: "b", state: null, tags: ["gpu", null, "fast"], family: null },
          { id: "c", state: "done", tags: [], family: "O1" },
        ],
      });
      expect(result.errors?.map((e) => [e.path, e.message, e.extensions])).toEqual([
        [
          ["jobs", 1, "state"],
          'Upstream "api" answered state "paused", which enum State does not have.',
          { code: "UPSTREAM_BAD_RESPONSE", upstream: "api" },
        ],
        [
          ["jobs", 1, "tags", 1],
          'Upstream "api" answered tags "spot", which enum Tag does not have.',
          { code: "UPSTREAM_BAD_RESPONSE", upstream: "api" },
        ],
        [
          ["jobs", 1, "family"],
          'Upstream "api" answered family "gpt-5", which enum Family does not have.',
          { code: "UPSTREAM_BAD_RESPONSE", upstream: "api" },
        ],
      ]);
    });
  }
});
