import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { graphqlRoutes, queryOver } from "../helpers/graphql-routes.js";
import { sendJson, startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";

// One upstream that answers every request with what it received, plus a few fixed resources.
let upstream: TestUpstream;
let trestle: Trestle;

const schema = (url: string) => /* GraphQL */ `
  extend schema
    @upstream(name: "ml", baseUrl: "{env.ML_URL:-${url}}/api", naming: SNAKE_CASE, timeoutMs: 2000,
              headers: [{ name: "authorization", from: "authorization" },
                        { name: "x-api-key", value: "{env.ML_KEY}" }])

  scalar JSON

  type Query {
    model(name: String!): Model @rest(upstream: "ml", path: "/models/{args.name}")
    models(limit: Int = 20, cursor: String, tags: [String!]): Echo
      @rest(upstream: "ml", path: "/echo/models?limit={args.limit}&cursor={args.cursor}&tag={args.tags}&fixed=1")
    modelNames: [String!] @rest(upstream: "ml", path: "/models", select: "items.names")
    tenant: Echo @rest(upstream: "ml", path: "/echo/tenant",
                       headers: [{ name: "x-tenant", value: "t-{header.x-tenant}" }, { name: "x-env", value: "{env.REGION:-eu}" }])
    single: Echo @rest(path: "/echo/single")
  }

  type Mutation {
    predict(model: String!, input: PredictInput!): Echo
      @rest(upstream: "ml", method: POST, path: "/echo/models/{args.model}/predict", body: "{args.input}")
    classify(text: String!, topK: Int): Echo
      @rest(upstream: "ml", method: POST, path: "/echo/classify", body: "{\\"text\\": {args.text}, \\"top_k\\": {args.topK}, \\"fixed\\": [1, 2]}")
    replace(name: String!, input: PredictInput!): Echo @rest(upstream: "ml", method: PUT, path: "/echo/models/{args.name}", body: "{args.input}")
    patch(name: String!, description: String): Echo
      @rest(upstream: "ml", method: PATCH, path: "/echo/models/{args.name}", body: "{\\"description\\": {args.description}}")
    remove(name: String!): Echo @rest(upstream: "ml", method: DELETE, path: "/echo/models/{args.name}")
  }

  input PredictInput { inputValues: [Float!]!, modelVersion: Int, extraParams: JSON, nested: NestedInput }
  input NestedInput { topK: Int }

  type Model {
    name: String!
    latestVersion: Int
    stage: String @from(path: "meta.stage")
    ownerName: String @from(path: "owner.display_name")
    versions: [Version!]! @rest(upstream: "ml", path: "/models/{parent.name}/versions", select: "items")
    owner: Owner @rest(upstream: "ml", path: "/users/{parent.owner_id}")
  }
  type Version { version: Int!, createdAt: String }
  type Owner { id: Int!, displayName: String }

  type Echo { method: String!, url: String!, headers: JSON, body: JSON }
`;

beforeAll(async () => {
  upstream = await startTestUpstream((req, res) => {
    const path = req.url.replace(/^\/api/, "");
    if (path.startsWith("/echo/")) {
      return sendJson(res, 200, {
        method: req.method,
        url: req.url,
        headers: req.headers,
        body: req.body === "" ? null : JSON.parse(req.body),
      });
    }
    if (path === "/models") return sendJson(res, 200, { items: { names: ["a", "b"] } });
    if (path === "/models/iris") {
      return sendJson(res, 200, {
        name: "iris",
        latest_version: 3,
        meta: { stage: "production" },
        owner: { display_name: "Ada" },
        owner_id: 7,
      });
    }
    if (path === "/models/orphan") return sendJson(res, 200, { name: "orphan", latest_version: 1, owner_id: null });
    if (path === "/models/iris/versions")
      return sendJson(res, 200, {
        items: [
          { version: 1, created_at: "2026-01-01" },
          { version: 2, created_at: "2026-02-01" },
        ],
      });
    if (path === "/users/7") return sendJson(res, 200, { id: 7, display_name: "Ada Lovelace" });
    sendJson(res, 404, { detail: "not found" });
  });
  trestle = await createTestTrestle(schema(upstream.url), { env: { ML_KEY: "secret-key" } });
});
afterAll(async () => {
  await trestle.close();
  await upstream.close();
});
beforeEach(() => {
  upstream.requests.length = 0;
});

interface Echo {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
}

// Every case runs over POST and GET, through trestle.fetch and trestle.handle.
describe.each(graphqlRoutes)("@rest over %s", (route) => {
  const query = queryOver(route);

  it("GETs a path template, maps snake_case keys to camelCase fields and reads @from paths", async () => {
    const result = await query(trestle, `{ model(name: "iris") { name latestVersion stage ownerName } }`);
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ model: { name: "iris", latestVersion: 3, stage: "production", ownerName: "Ada" } });
    expect(upstream.requests.map((r) => `${r.method} ${r.url}`)).toEqual(["GET /api/models/iris"]);
  });

  it("resolves nested fields from {parent.X} with raw upstream keys, and select", async () => {
    const result = await query(trestle, `{ model(name: "iris") { versions { version createdAt } owner { id displayName } } }`);
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({
      model: {
        versions: [
          { version: 1, createdAt: "2026-01-01" },
          { version: 2, createdAt: "2026-02-01" },
        ],
        owner: { id: 7, displayName: "Ada Lovelace" },
      },
    });
  });

  it("resolves a parent-keyed field to null without a call when the parent's key is null", async () => {
    const result = await query(trestle, `{ model(name: "orphan") { name owner { id } } }`);
    expect(result.data).toEqual({ model: { name: "orphan", owner: null } });
    expect(upstream.requests.map((r) => r.url)).toEqual(["/api/models/orphan"]);
  });

  it("selects a dot path inside the answer", async () => {
    const result = await query(trestle, `{ modelNames }`);
    expect(result.data).toEqual({ modelNames: ["a", "b"] });
  });

  it("builds query strings: defaults used, null and absent values dropped, lists repeated", async () => {
    const first = await query(trestle, `{ models { url } }`);
    expect((first.data?.["models"] as Echo).url).toBe("/api/echo/models?limit=20&fixed=1");
    const second = await query(trestle, `{ models(limit: 5, cursor: "c&d=e", tags: ["x y", "z"]) { url } }`);
    expect((second.data?.["models"] as Echo).url).toBe("/api/echo/models?limit=5&cursor=c%26d%3De&tag=x%20y&tag=z&fixed=1");
    const third = await query(trestle, `{ models(limit: null, cursor: null) { url } }`);
    expect((third.data?.["models"] as Echo).url).toBe("/api/echo/models?fixed=1");
  });

  it("uses the only upstream when @rest names none", async () => {
    const result = await query(trestle, `{ single { url } }`);
    expect((result.data?.["single"] as Echo).url).toBe("/api/echo/single");
  });

  it("POSTs an input object as the JSON body with snake_case keys, leaving JSON scalars alone", async () => {
    const result = await query(
      trestle,
      `mutation($input: PredictInput!) { predict(model: "iris", input: $input) { method url headers body } }`,
      { input: { inputValues: [1.5, 2], modelVersion: 2, extraParams: { keepMe: true }, nested: { topK: 3 } } },
    );
    const echo = result.data?.["predict"] as Echo;
    expect(echo.method).toBe("POST");
    expect(echo.url).toBe("/api/echo/models/iris/predict");
    expect(echo.headers["content-type"]).toBe("application/json");
    expect(echo.body).toEqual({ input_values: [1.5, 2], model_version: 2, extra_params: { keepMe: true }, nested: { top_k: 3 } });
  });

  it("fills a JSON body template with JSON values (null when absent)", async () => {
    const result = await query(trestle, `mutation { classify(text: "he said \\"hi\\"") { body } }`);
    expect((result.data?.["classify"] as Echo).body).toEqual({ text: 'he said "hi"', top_k: null, fixed: [1, 2] });
  });

  it("sends PUT, PATCH and DELETE", async () => {
    const result = await query(
      trestle,
      `mutation { replace(name: "a", input: { inputValues: [1] }) { method body } patch(name: "a", description: "d") { method body } remove(name: "a") { method body } }`,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({
      replace: { method: "PUT", body: { input_values: [1] } },
      patch: { method: "PATCH", body: { description: "d" } },
      remove: { method: "DELETE", body: null },
    });
  });

  it("sends @upstream headers: forwarded from the client and set from {env.X}", async () => {
    const result = await query(trestle, `{ single { headers } }`, {}, { authorization: "Bearer abc" });
    const headers = (result.data?.["single"] as Echo).headers;
    expect(headers["authorization"]).toBe("Bearer abc");
    expect(headers["x-api-key"]).toBe("secret-key");
  });

  it("sends field headers built from {header.X} and {env.X:-default}", async () => {
    const result = await query(trestle, `{ tenant { headers } }`, {}, { "X-Tenant": "acme" });
    const headers = (result.data?.["tenant"] as Echo).headers;
    expect(headers["x-tenant"]).toBe("t-acme");
    expect(headers["x-env"]).toBe("eu");
  });

  it("leaves out a field header whose template variable has no value", async () => {
    const result = await query(trestle, `{ tenant { headers } }`);
    expect((result.data?.["tenant"] as Echo).headers["x-tenant"]).toBeUndefined();
  });

  it("H02, H10: never forwards a client header that no @upstream or @rest declares", async () => {
    const result = await query(
      trestle,
      `{ single { headers } }`,
      {},
      {
        cookie: "session=s3cret",
        "x-internal-admin": "1",
        "x-forwarded-for": "6.6.6.6",
        "proxy-authorization": "Basic Zm9v",
      },
    );
    const headers = (result.data?.["single"] as Echo).headers;
    const sentByHttpLayer = new Set(["host", "connection", "accept"]);
    expect(Object.keys(headers).filter((name) => !sentByHttpLayer.has(name))).toEqual(["x-api-key"]);
    for (const name of ["cookie", "x-internal-admin", "x-forwarded-for", "proxy-authorization", "authorization"]) {
      expect(headers[name]).toBeUndefined();
    }
  });

  it("H05: refuses a header value with CR/LF built from client input, before any call", async () => {
    const result = await query(trestle, `{ tenant { headers } }`, {}, { "x-tenant": "acme" });
    expect(result.errors).toBeUndefined();
    // Client headers cannot carry CR/LF (fetch refuses them); arguments can, through {args.X}.
    const injected = await createTestTrestle(/* GraphQL */ `
      extend schema @upstream(name: "ml", baseUrl: "${upstream.url}")
      type Query { t(tenant: String!): String @rest(path: "/echo/t", headers: [{ name: "x-tenant", value: "{args.tenant}" }]) }
    `);
    upstream.requests.length = 0;
    const bad = await query(injected, `{ t(tenant: "a\\r\\nx-admin: 1") }`);
    await injected.close();
    expect(bad.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
    expect(bad.errors?.[0]?.message).toContain('Header "x-tenant"');
    expect(upstream.requests).toHaveLength(0);
  });
});
