import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { query } from "../helpers/graphql.js";
import { sendJson, startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";
import { serveTrestle, type TrestleServer } from "./raw-http.js";

let upstream: TestUpstream;
let closedPort: number;
let trestle: Trestle;
let server: TrestleServer;
let stalledBodies = 0;

beforeAll(async () => {
  upstream = await startTestUpstream(async (req, res) => {
    if (req.url.startsWith("/slow/")) await delay(1500);
    if (req.url.startsWith("/stall/")) {
      // Headers and one chunk, then silence: the idle body timeout must end it.
      stalledBodies++;
      res.writeHead(200, { "content-type": "text/plain" });
      res.write("first chunk;");
      return;
    }
    sendJson(res, 200, { url: req.url });
  });
  // A port nobody listens on: bind one, then close it.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  closedPort = (probe.address() as AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));

  trestle = await createTestTrestle(
    `extend schema
       @upstream(name: "down", baseUrl: "http://127.0.0.1:${closedPort}", passthrough: { paths: ["/**"] })
       @upstream(name: "slow", baseUrl: "${upstream.url}/slow", timeoutMs: 300, passthrough: { methods: [GET, POST], paths: ["/**"] })
       @upstream(name: "stall", baseUrl: "${upstream.url}/stall", timeoutMs: 300, passthrough: { methods: [GET, POST], paths: ["/**"] })
       @upstream(name: "ok", baseUrl: "${upstream.url}/ok", passthrough: { paths: ["/**"] })
     type Query { item: Item @rest(upstream: "ok", path: "/item") }
     type Item { url: String }`,
  );
  server = await serveTrestle(trestle);
});
afterAll(async () => {
  await server.close();
  await trestle.close();
  await upstream.close();
});

type Via = (path: string, init?: RequestInit) => Promise<Response>;
const transports: Array<[string, Via]> = [
  ["trestle.fetch", (path, init) => trestle.fetch(new Request(`http://trestle.test${path}`, init))],
  ["trestle.handle", (path, init) => fetch(`${server.url}${path}`, init)],
];

async function expectStillServing(via: Via): Promise<void> {
  const next = await via("/rest/ok/models/x");
  expect([next.status, await next.json()]).toEqual([200, { url: "/ok/models/x" }]);
  expect((await query(trestle, "{ item { url } }")).data).toEqual({ item: { url: "/ok/item" } });
}

describe.each(transports)("through %s", (_name, via) => {
  it("answers 502 with a problem body when the upstream is unreachable, and keeps serving", async () => {
    const response = await via("/rest/down/models/x");
    expect(response.status).toBe(502);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    const body = await response.text();
    expect(JSON.parse(body)).toEqual({
      type: "https://trestle.dev/problems/upstream-unavailable",
      title: "Upstream unavailable",
      status: 502,
      detail: 'Upstream "down" is unavailable.',
      code: "UPSTREAM_UNAVAILABLE",
      upstream: "down",
    });
    expect(body).not.toContain(String(closedPort));
    expect(body).not.toContain("ECONNREFUSED");
    await expectStillServing(via);
  });

  it("answers 504 with a problem body when the upstream does not answer within timeoutMs, and keeps serving", async () => {
    const started = performance.now();
    const response = await via("/rest/slow/models/x", { method: "POST", body: "{}" });
    expect(performance.now() - started).toBeLessThan(1200);
    expect(response.status).toBe(504);
    expect(await response.json()).toEqual({
      type: "https://trestle.dev/problems/upstream-timeout",
      title: "Upstream timeout",
      status: 504,
      detail: 'Upstream "slow" did not answer within 300 ms.',
      code: "UPSTREAM_TIMEOUT",
      upstream: "slow",
    });
    await expectStillServing(via);
  });

  it("ends an answer whose body goes silent for timeoutMs (an idle timeout, not a total one), and keeps serving", async () => {
    const before = stalledBodies;
    const response = await via("/rest/stall/models/x", { method: "POST", body: "{}" });
    expect(response.status).toBe(200);
    await expect(response.text()).rejects.toThrow();
    expect(stalledBodies).toBe(before + 1);
    await expectStillServing(via);
  });
});

it("shows nothing internal in debug-less problem bodies, and the upstream's address only with debug", async () => {
  const debugging = await createTestTrestle(
    `extend schema @upstream(name: "down", baseUrl: "http://127.0.0.1:${closedPort}", passthrough: { paths: ["/**"] }) type Query { a: Int }`,
    { debug: true },
  );
  const response = await debugging.fetch(new Request("http://trestle.test/rest/down/x"));
  await debugging.close();
  expect(await response.json()).toMatchObject({
    status: 502,
    debug: { request: "GET /x", reason: expect.stringContaining("ECONNREFUSED") },
  });
});
