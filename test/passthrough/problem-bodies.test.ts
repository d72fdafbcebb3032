import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { problemKinds } from "../../src/passthrough/problem-response.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { query } from "../helpers/graphql.js";
import { sendJson, startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";
import { rawRequest, sendRaw, serveTrestle, type TrestleServer } from "./raw-http.js";

// Every passthrough problem answer (docs/passthrough.md, "Timeouts and failures") carries a
// stable `code`, and `upstream` whenever the request reached an upstream open for passthrough;
// `/rest/…` with no upstream open answers the same problem 404 when Trestle stands alone.

let upstream: TestUpstream;
let closedPort: number;

beforeAll(async () => {
  upstream = await startTestUpstream((req, res) => sendJson(res, 200, { url: req.url }));
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
  closedPort = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
});
afterAll(async () => upstream.close());

const problemOf = async (response: Response) => {
  expect(response.headers.get("content-type")).toBe("application/problem+json");
  expect(response.headers.get("cache-control")).toBe("no-store");
  return (await response.json()) as Record<string, unknown>;
};

describe("passthrough problem bodies carry code and upstream", () => {
  let trestle: Trestle;
  let server: TrestleServer;
  beforeAll(async () => {
    trestle = await createTestTrestle(/* GraphQL */ `
      extend schema
        @upstream(name: "api", baseUrl: "${upstream.url}", passthrough: { methods: [GET, POST], paths: ["/models/**"], maxRequestBytes: 100 })
        @upstream(name: "gone", baseUrl: "http://127.0.0.1:${closedPort}", retry: { attempts: 0 }, passthrough: { paths: ["/**"] })
        @upstream(name: "closed", baseUrl: "${upstream.url}")
      type Query { model: Model @rest(upstream: "api", path: "/models/m") }
      type Model { url: String }
    `);
    server = await serveTrestle(trestle);
  });
  afterAll(async () => {
    await server.close();
    await trestle.close();
  });

  const via: Array<[string, (path: string, init?: RequestInit) => Promise<Response>]> = [
    ["trestle.fetch", (path, init) => trestle.fetch(new Request(`http://trestle.test${path}`, init))],
    ["trestle.handle", (path, init) => fetch(`${server.url}${path}`, init)],
  ];

  describe.each(via)("through %s", (_name, send) => {
    it.each([
      [
        "an unknown upstream",
        "/rest/nope/models",
        {},
        404,
        { code: "ROUTE_NOT_FOUND", detail: 'No upstream "nope" is open for passthrough.' },
      ],
      ["an upstream without passthrough", "/rest/closed/models", {}, 404, { code: "ROUTE_NOT_FOUND" }],
      [
        "a path no glob matches",
        "/rest/api/admin/users?x=1",
        {},
        404,
        { code: "ROUTE_NOT_FOUND", upstream: "api", detail: 'Upstream "api" has no passthrough route for /admin/users.' },
      ],
      [
        "a method not listed",
        "/rest/api/models/m",
        { method: "DELETE" },
        405,
        { code: "METHOD_NOT_ALLOWED", upstream: "api", detail: 'Upstream "api" allows GET, POST, HEAD on passthrough routes, not DELETE.' },
      ],
      [
        "a body over maxRequestBytes",
        "/rest/api/models/m",
        { method: "POST", body: "x".repeat(101), headers: { "content-type": "text/plain" } },
        413,
        { code: "REQUEST_TOO_LARGE", upstream: "api" },
      ],
      ["a target over 8000 characters", `/rest/api/models/${"a".repeat(8001)}`, {}, 414, { code: "URI_TOO_LONG" }],
      ["an unreachable upstream", "/rest/gone/x", {}, 502, { code: "UPSTREAM_UNAVAILABLE", upstream: "gone" }],
    ] as const)("%s: a problem with its code", async (_case, path, init, status, members) => {
      const before = upstream.requests.length;
      const response = await send(path, init as RequestInit);
      expect(response.status).toBe(status);
      const body = await problemOf(response);
      expect(body).toMatchObject({ status, ...members });
      expect(body["type"]).toMatch(/^https:\/\/trestle\.dev\/problems\/[a-z-]+$/);
      if (!("upstream" in members)) expect(body).not.toHaveProperty("upstream");
      if (status === 405) expect(response.headers.get("allow")).toBe("GET, POST, HEAD");
      expect(upstream.requests.length).toBe(before);
      // A normal user is still served afterwards, through both routes.
      expect(await (await send("/rest/api/models/m")).json()).toEqual({ url: "/models/m" });
      expect((await query(trestle, "{ model { url } }")).data).toEqual({ model: { url: "/models/m" } });
    });
  });

  it("a raw target that fails the path checks: INVALID_REQUEST_TARGET, on the node:http lane", async () => {
    for (const target of ["/rest/api/models/../../admin", "/rest/api/models/%2e%2e/x", "/rest/api//models"]) {
      const answer = await sendRaw(server.port, rawRequest(`GET ${target} HTTP/1.1`));
      expect(answer.status, target).toBe(400);
      expect(JSON.parse(answer.body), target).toMatchObject({ status: 400, code: "INVALID_REQUEST_TARGET" });
    }
    expect(await (await fetch(`${server.url}/rest/api/models/m`)).json()).toEqual({ url: "/models/m" });
  });
});

describe("no upstream opens passthrough", () => {
  let trestle: Trestle;
  let server: TrestleServer;
  beforeAll(async () => {
    trestle = await createTestTrestle(/* GraphQL */ `
      extend schema @upstream(name: "api", baseUrl: "${upstream.url}")
      type Query { model: Model @rest(upstream: "api", path: "/models/m") }
      type Model { url: String }
    `);
    server = await serveTrestle(trestle);
  });
  afterAll(async () => {
    await server.close();
    await trestle.close();
  });

  it.each(["/rest/api/models/m", "/rest/", "/rest/nope/x?y=1"])(
    "%s standing alone (trestle serve, trestle.fetch): a problem+json 404, not an empty text/plain one",
    async (path) => {
      const before = upstream.requests.length;
      for (const response of [await fetch(`${server.url}${path}`), await trestle.fetch(new Request(`http://trestle.test${path}`))]) {
        expect(response.status).toBe(404);
        expect(await problemOf(response)).toMatchObject({
          status: 404,
          code: "ROUTE_NOT_FOUND",
          type: "https://trestle.dev/problems/route-not-found",
        });
      }
      expect(upstream.requests.length).toBe(before);
      expect((await query(trestle, "{ model { url } }")).data).toEqual({ model: { url: "/models/m" } });
    },
  );

  it("inside a host app (handle with next), /rest/… stays the app's", async () => {
    const host = createServer((req: IncomingMessage, res: ServerResponse) => {
      void trestle.handle(req, res, () => res.writeHead(200, { "content-type": "text/plain" }).end("the app's own /rest"));
    });
    const served = await serveTrestle(trestle, host);
    try {
      const response = await fetch(`${served.url}/rest/api/models/m`);
      expect([response.status, await response.text()]).toEqual([200, "the app's own /rest"]);
      expect(trestle.owns("/rest/api/models/m")).toBe(false);
    } finally {
      await served.close();
    }
  });
});

it("docs/passthrough.md's table lists every problem kind with the status and code the code gives it", () => {
  const page = readFileSync(new URL("../../docs/passthrough.md", import.meta.url), "utf8");
  const rows = page
    .split("\n")
    .filter((line) => /^\| \d{3} \| `[a-z-]+` \|/.test(line))
    .map((line) => line.split("|").map((cell) => cell.trim()));
  const documented = rows.map(([, status, kind, codes]) => [
    kind!.replace(/`/g, ""),
    Number(status),
    codes!.split(",")[0]!.replace(/`/g, "").trim(),
  ]);
  expect(documented).toEqual(Object.entries(problemKinds).map(([kind, [status, , code]]) => [kind, status, code]));
});
