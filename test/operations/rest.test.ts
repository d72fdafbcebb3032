import { describe, expect, it } from "vitest";
import { useServedTrestle } from "../helpers/use-served-trestle.js";
import { hitsOf } from "../helpers/test-upstream.js";
import { answerUpstream, operationsSchema, writeOperations } from "./fixture.js";

// Issue 21: named operations as REST endpoints, /api/<name>, through the /graphql engine.

const operations = writeOperations();
const world = useServedTrestle({
  upstream: answerUpstream,
  schema: operationsSchema,
  options: { operations: operations.dir, cors: { origin: ["https://app.example"] } },
});

interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: Array<{ message: string; path?: unknown[]; extensions?: Record<string, unknown> }>;
  data?: unknown;
}

const api = (path: string, init?: RequestInit) => fetch(`http://127.0.0.1:${world.port}/api/${path}`, init);
const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  api(path, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
const problem = async (response: Response, status: number): Promise<Problem> => {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  return (await response.json()) as Problem;
};
/** A normal call still served afterwards. */
const stillServed = async () => expect(await (await api("Item?id=1")).json()).toMatchObject({ item: { id: "1", name: "item 1" } });
const searched = async (query: string) => {
  const response = await api(`Search?${query}`);
  return { status: response.status, body: (await response.json()) as { search?: { received: Record<string, unknown> } } & Problem };
};

describe("GET and POST per operation", () => {
  it("O01: a query answers GET with its data as JSON and the Cache-Control /graphql gives the same text", async () => {
    const response = await api("Item?id=1");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(await response.json()).toEqual({ item: { __typename: "Item", id: "1", name: "item 1", color: "GREEN", tags: ["a"] } });
    const graphql = await fetch(`http://127.0.0.1:${world.port}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: '{ item(id: "1") { id } }' }),
    });
    expect(response.headers.get("cache-control")).toMatch(/^public, max-age=\d+$/);
    expect(graphql.headers.get("cache-control")).toMatch(/^public, max-age=\d+$/);
    expect(response.headers.get("vary")).toBe(graphql.headers.get("vary"));
  });

  it("O01: a query answers POST with a JSON object of variables", async () => {
    const response = await post("Item", { id: "2" });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ item: { id: "2", name: "item 2" } });
  });

  it("O05: a mutation answers POST (input object default applied) and refuses GET with 405 and Allow: POST: GET only ever runs a query", async () => {
    const response = await post("CreateItem", { input: { name: "new" } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ createItem: { __typename: "Item", id: "9", name: "new", color: "RED", tags: [] } });
    world.upstream.requests.length = 0;
    const refused = await api(`CreateItem?input=${encodeURIComponent('{"name":"x"}')}`);
    expect(refused.headers.get("allow")).toBe("POST");
    expect(await problem(refused, 405)).toMatchObject({
      type: "https://trestle.dev/problems/method-not-allowed",
      detail: "GET /api/CreateItem: a mutation takes POST only",
      errors: [{ extensions: { code: "METHOD_NOT_ALLOWED" } }],
    });
    expect(world.upstream.requests).toHaveLength(0);
  });

  it("O01: other methods are 405 with the methods an operation takes", async () => {
    for (const method of ["PUT", "DELETE", "PATCH"]) {
      const response = await api("Item?id=1", { method });
      expect(response.headers.get("allow")).toBe("GET, POST");
      await problem(response, 405);
    }
    await stillServed();
  });

  it("O01: the caller's Authorization reaches the upstream, and answers per caller are not shared", async () => {
    world.upstream.requests.length = 0;
    const a = await api("Item?id=7", { headers: { authorization: "Bearer alice" } });
    const b = await api("Item?id=7", { headers: { authorization: "Bearer bob" } });
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(world.upstream.requests.map((r) => r.headers["authorization"])).toEqual(["Bearer alice", "Bearer bob"]);
    expect(hitsOf(world.upstream, "/items/7")).toBe(2);
    expect(a.headers.get("cache-control")).toBeNull();
  });
});

describe("typed query parameters", () => {
  it("O02: each type is read from its text: lists repeated, input objects and lists of lists as JSON", async () => {
    const filter = encodeURIComponent(JSON.stringify({ color: "GREEN", tags: ["x"] }));
    const { status, body } = await searched(
      `ids=1&ids=2&limit=-5&ratio=2.5e-3&exact=false&color=RED&filter=${filter}&tag=a+b%20c%F0%9F%98%80&rows=${encodeURIComponent("[[1,2],[3]]")}`,
    );
    expect(status).toBe(200);
    expect(body.search!.received).toEqual({
      ids: ["1", "2"],
      limit: -5,
      ratio: 0.0025,
      exact: false,
      color: "RED",
      filter: { color: "GREEN", tags: ["x"] },
      tag: "a b c😀",
      rows: [[1, 2], [3]],
    });
  });

  it("O02: one value of a list is a list of one; parameters left out are null; an empty String is kept", async () => {
    const { body } = await searched("ids=5&tag=");
    expect(body.search!.received).toMatchObject({ ids: ["5"], tag: "", limit: null, filter: null });
  });

  const refused: Array<[string, string]> = [
    [
      "limit=1&limit=2",
      'parameter "limit" was given 2 times, but $limit: Int takes one value (only a list of scalars or enums is repeated)',
    ],
    ["limit=1e400", 'parameter "limit": Int takes a whole number from -2147483648 to 2147483647, received "1e400"'],
    ["limit=2147483648", 'parameter "limit": Int takes a whole number from -2147483648 to 2147483647, received "2147483648"'],
    [
      "limit=99999999999999999999999",
      'parameter "limit": Int takes a whole number from -2147483648 to 2147483647, received "99999999999999999999999"',
    ],
    ["limit=0x10", 'parameter "limit": Int takes a whole number from -2147483648 to 2147483647, received "0x10"'],
    ["limit=", 'parameter "limit": Int takes a whole number from -2147483648 to 2147483647, received ""'],
    ["limit=1.5", 'parameter "limit": Int takes a whole number from -2147483648 to 2147483647, received "1.5"'],
    ["ratio=NaN", 'parameter "ratio": Float takes a finite number (JSON number syntax), received "NaN"'],
    ["ratio=Infinity", 'parameter "ratio": Float takes a finite number (JSON number syntax), received "Infinity"'],
    ["ratio=1e999", 'parameter "ratio": Float takes a finite number (JSON number syntax), received "1e999"'],
    ["ratio=%20", 'parameter "ratio": Float takes a finite number (JSON number syntax), received " "'],
    ["exact=1", 'parameter "exact": Boolean takes true or false, received "1"'],
    ["exact=TRUE", 'parameter "exact": Boolean takes true or false, received "TRUE"'],
    ["filter={", 'parameter "filter": ItemFilter is sent as JSON text, received "{", which is not JSON'],
    [
      "filter=1&filter=2",
      'parameter "filter" was given 2 times, but $filter: ItemFilter takes one value (only a list of scalars or enums is repeated)',
    ],
    ["__proto__=1", 'unknown parameter "__proto__": this operation takes ids, limit, ratio, exact, color, filter, tag, rows'],
    ["constructor=1", 'unknown parameter "constructor": this operation takes ids, limit, ratio, exact, color, filter, tag, rows'],
    [
      "query=%7B__schema%7Btypes%7Bname%7D%7D%7D",
      'unknown parameter "query": this operation takes ids, limit, ratio, exact, color, filter, tag, rows',
    ],
    ["tag=%C3%28", 'the query string must be UTF-8 percent-encoding (RFC 3986), received "tag=%C3%28"'],
    ["tag=%E0%A4%A", 'the query string must be UTF-8 percent-encoding (RFC 3986), received "tag=%E0%A4%A"'],
    [
      `${"x".repeat(5000)}=1`,
      `unknown parameter "${"x".repeat(64)}…": this operation takes ids, limit, ratio, exact, color, filter, tag, rows`,
    ],
  ];
  it.each(refused)("O02: ?%s is a 400 problem that says why, and nothing reaches the upstream", async (query, detail) => {
    world.upstream.requests.length = 0;
    const { status, body } = await searched(query);
    expect(status).toBe(400);
    expect(body).toEqual({
      type: "https://trestle.dev/problems/bad-request",
      title: "Bad request",
      status: 400,
      detail,
      errors: [{ message: detail, extensions: { code: "BAD_USER_INPUT" } }],
    });
    expect(world.upstream.requests).toHaveLength(0);
    await stillServed();
  });

  it("O02: values the engine refuses (an unknown enum value, a missing required variable, a wrong input field) are 400 with the GraphQL error", async () => {
    for (const [path, message] of [
      ["Search?color=BLUE", /Value "BLUE" does not exist in "Color" enum/],
      ["Item", /Variable "\$id" of required type "ID!" was not provided/],
      [
        `Search?filter=${encodeURIComponent('{"color":"RED","__proto__":{"x":1}}')}`,
        /Field "__proto__" is not defined by type "ItemFilter"/,
      ],
    ] as const) {
      const body = await problem(await api(path), 400);
      expect(body.errors![0]!.extensions!["code"]).toBe("BAD_USER_INPUT");
      expect(body.detail).toMatch(message);
      expect(body).not.toHaveProperty("data");
    }
    await stillServed();
  });

  it("O02: a POST body must be a JSON object whose members are variables: a `query` member is refused", async () => {
    const cases: Array<[string, string]> = [
      [JSON.stringify({ query: "{ __schema { types { name } } }" }), 'unknown member "query": this operation takes id'],
      [JSON.stringify({ id: "1", operationName: "Hidden" }), 'unknown member "operationName": this operation takes id'],
      ['{"id":"1","__proto__":{"admin":true}}', 'unknown member "__proto__": this operation takes id'],
      ["[1]", "the body must be a JSON object of variables, received an array"],
      ['"x"', "the body must be a JSON object of variables, received string"],
      ["null", "the body must be a JSON object of variables, received null"],
      ["{not json", "the body is not JSON: send a JSON object of variables"],
    ];
    for (const [body, detail] of cases) {
      const response = await api("Item", { method: "POST", headers: { "content-type": "application/json" }, body });
      expect(await problem(response, 400)).toMatchObject({ detail, errors: [{ extensions: { code: "BAD_USER_INPUT" } }] });
    }
    await stillServed();
  });
});

describe("problem JSON for each error class", () => {
  it("O09: an upstream that never answers is 504 with the partial data and UPSTREAM_TIMEOUT", async () => {
    const body = await problem(await api("Slow"), 504);
    expect(body).toMatchObject({
      type: "https://trestle.dev/problems/upstream-timeout",
      title: "Upstream timeout",
      status: 504,
      detail: 'Upstream "api" did not answer within 300 ms.',
      data: { item: { id: "1", name: "item 1" }, slow: null },
    });
    expect(body.errors).toEqual([expect.objectContaining({ path: ["slow"], extensions: { code: "UPSTREAM_TIMEOUT", upstream: "api" } })]);
  });

  it("O09: an upstream 500 is 502 with the partial data and UPSTREAM_ERROR", async () => {
    const body = await problem(await api("Failing"), 502);
    expect(body).toMatchObject({
      type: "https://trestle.dev/problems/upstream-error",
      status: 502,
      data: { item: { id: "1" }, failing: null },
    });
    expect(body.errors![0]!.extensions).toMatchObject({ code: "UPSTREAM_ERROR", status: 500, upstream: "api" });
    expect(JSON.stringify(body)).not.toContain("db down");
  });

  it("O09: an upstream 429 is 429", async () => {
    const body = await problem(await api("Limited"), 429);
    expect(body).toMatchObject({ type: "https://trestle.dev/problems/too-many-requests", data: { limited: null } });
  });

  it("O01: an operation that is not in the folder is 404, whatever the path looks like", async () => {
    for (const name of ["Hidden", "Nope", "item", "Item/", "Item/x", "%49tem", "..%2fgraphql", "", "openapi.json/x"]) {
      const body = await problem(await api(name), 404);
      expect(body.type).toBe("https://trestle.dev/problems/operation-not-found");
      expect(body.errors![0]!.extensions).toEqual({ code: "OPERATION_NOT_FOUND" });
    }
    expect(world.upstream.requests.filter((r) => r.url.includes("secret"))).toHaveLength(0);
    await stillServed();
  });

  it("O06: a POST body over limits.maxRequestBytes is 413", async () => {
    const body = await problem(await post("Item", { id: "x".repeat(2_000_000) }), 413);
    expect(body).toMatchObject({
      type: "https://trestle.dev/problems/request-too-large",
      errors: [{ extensions: { code: "REQUEST_TOO_LARGE" } }],
    });
    await stillServed();
  });
});

describe("CSRF and CORS", () => {
  it("O03: a POST a browser sends cross-site without a preflight (form, text/plain, no Content-Type) is 403 and runs nothing", async () => {
    world.upstream.requests.length = 0;
    for (const type of ["application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain", undefined]) {
      const headers: Record<string, string> = type === undefined ? {} : { "content-type": type };
      const response = await api("CreateItem", { method: "POST", headers, body: type === undefined ? null : '{"input":{"name":"x"}}' });
      const body = await problem(response, 403);
      expect(body.errors![0]!.extensions).toEqual({ code: "CSRF_PREVENTED" });
    }
    expect(world.upstream.requests).toHaveLength(0);
  });

  it("O03: with x-trestle-csrf (only a preflighted request can add it) a non-JSON body is 415, a JSON one runs", async () => {
    const response = await api("CreateItem", {
      method: "POST",
      headers: { "content-type": "text/plain", "x-trestle-csrf": "1" },
      body: "{}",
    });
    expect((await problem(response, 415)).errors![0]!.extensions).toEqual({ code: "UNSUPPORTED_MEDIA_TYPE" });
    expect((await post("CreateItem", { input: { name: "ok" } }, { "x-trestle-csrf": "1" })).status).toBe(200);
  });

  it("O04: answers carry the one CORS policy: a listed origin is allowed, another gets no CORS headers; preflights are answered", async () => {
    const allowed = await api("Item?id=1", { headers: { origin: "https://app.example" } });
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://app.example");
    const other = await api("Item?id=1", { headers: { origin: "https://evil.example" } });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    expect(other.headers.get("vary")).toContain("Origin");
    const preflight = await api("CreateItem", {
      method: "OPTIONS",
      headers: { origin: "https://app.example", "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("https://app.example");
  });
});

describe("the route table", () => {
  it("O01: /api and /mcp are Trestle's paths (owns) and counted under their own metrics label", async () => {
    expect(["/api/Item?id=1", "/api/openapi.json", "/mcp"].map((target) => world.trestle.owns(target))).toEqual([true, true, true]);
    expect(["/apix", "/api", "/mcp/x"].map((target) => world.trestle.owns(target))).toEqual([false, false, false]);
    await api("Item?id=1");
    const metrics = await (await fetch(`http://127.0.0.1:${world.port}/metrics`)).text();
    expect(metrics).toMatch(/^trestle_http_requests_total\{route="api",status="200"\} [1-9]\d*$/m);
  });
});
