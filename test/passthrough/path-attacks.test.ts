import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { sendJson, startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";
import { rawRequest, sendRaw, serveTrestle, type TrestleServer } from "./raw-http.js";

// Case ids (U13–U17): docs/threat-model.md, URL templates and passthrough routing.
// Raw bytes over node:net: fetch and undici would normalise these targets before sending.
let upstream: TestUpstream;
let trestle: Trestle;
let server: TrestleServer;

beforeAll(async () => {
  upstream = await startTestUpstream((req, res) => sendJson(res, 200, { url: req.url }));
  trestle = await createTestTrestle(
    `extend schema @upstream(name: "ml", baseUrl: "${upstream.url}/v1", passthrough: { methods: [GET, POST], paths: ["/models/**"] })
     type Query { a: Int }`,
  );
  server = await serveTrestle(trestle);
});
afterAll(async () => {
  await server.close();
  await trestle.close();
  await upstream.close();
});
beforeEach(() => {
  upstream.requests.length = 0;
});

async function expectRefused(requestLine: string, statuses: number[], headers: Record<string, string> = {}): Promise<void> {
  const answer = await sendRaw(server.port, rawRequest(requestLine, headers));
  expect(statuses).toContain(answer.status);
  if (answer.status === 400 && answer.headers["content-type"] === "application/problem+json") {
    expect(JSON.parse(answer.body)).toMatchObject({ type: "https://trestle.dev/problems/invalid-request-target", status: 400 });
  }
  expect(upstream.requests).toEqual([]);
}

describe("request targets that try to leave the upstream's base path", () => {
  it("U13: absolute-form targets are refused with 400, with no outbound connection", async () => {
    await expectRefused("GET http://169.254.169.254/latest HTTP/1.1", [400]);
    await expectRefused("GET http://169.254.169.254/rest/ml/models/x HTTP/1.1", [400]);
    await expectRefused(`GET ${upstream.url}/v1/models/x HTTP/1.1`, [400]);
  });

  it.each([
    ["U14", "GET //evil.example/x HTTP/1.1", [400]],
    ["U14", "GET //evil.example/rest/ml/models/x HTTP/1.1", [400]],
    ["U14", "GET /\\evil.example/x HTTP/1.1", [400, 404]],
    ["U14", "GET /rest/ml/\\evil.example/x HTTP/1.1", [400]],
    ["U15", "GET /rest/ml/../admin HTTP/1.1", [400]],
    ["U15", "GET /rest/ml/models/../../admin HTTP/1.1", [400]],
    ["U15", "GET /rest/ml/models/%2e%2e/%2e%2e/admin HTTP/1.1", [400]],
    ["U15", "GET /rest/ml/models/%2E%2E/x HTTP/1.1", [400]],
    ["U15", "GET /rest/ml/models/.%2e/x HTTP/1.1", [400]],
    ["U15", "GET /rest/ml/models/..%2fadmin HTTP/1.1", [400]],
    ["U15", "GET /rest/ml/models%2f..%2fadmin HTTP/1.1", [400]],
    ["U15", "GET /rest/ml/models/..\\admin HTTP/1.1", [400]],
    ["U15", "GET /rest/ml/models/..;/admin HTTP/1.1", [400]],
    ["U15", "GET /rest/ml/models/%5c..%5cadmin HTTP/1.1", [400]],
    ["U15", "GET /rest/ml/models/./x HTTP/1.1", [400]],
    ["U15", "GET /rest/ml//models/x HTTP/1.1", [400]],
    ["U15", "GET /rest/%6d%6c/models/x HTTP/1.1", [404]],
    ["U15", "GET /rest/ml/models/a%00b HTTP/1.1", [400]],
  ])("%s: %s is refused", async (_id, line, statuses) => {
    await expectRefused(line, statuses);
  });

  it("forwards an encoded but harmless segment exactly as sent", async () => {
    const answer = await sendRaw(server.port, rawRequest("GET /rest/ml/%6dodels/fraud%20xgb HTTP/1.1"));
    expect(answer.status).toBe(200);
    expect(upstream.requests.map((r) => r.url)).toEqual(["/v1/%6dodels/fraud%20xgb"]);
  });

  it("through trestle.fetch, WHATWG parsing has already resolved dot-segments: what is left stays inside", async () => {
    const resolved = await trestle.fetch(new Request("http://trestle.test/rest/ml/models/%2e%2e/%2e%2e/admin"));
    expect(resolved.status).toBe(404);
    const encodedSlash = await trestle.fetch(new Request("http://trestle.test/rest/ml/models/a%2fb"));
    expect(encodedSlash.status).toBe(400);
    expect(upstream.requests).toEqual([]);
  });
});

describe("methods", () => {
  it("U16: CONNECT gets no tunnel and no upstream call", async () => {
    await expectRefused("CONNECT 10.0.0.1:22 HTTP/1.1", [0, 400, 405]);
    await expectRefused("CONNECT /rest/ml/models/x HTTP/1.1", [0, 400, 405]);
  });

  it("U16: an Upgrade request on a passthrough route is not tunnelled: it is served as a plain request", async () => {
    const answer = await sendRaw(
      server.port,
      [
        "GET /rest/ml/models/x HTTP/1.1",
        "Host: trestle.test",
        "Connection: Upgrade, close",
        "Upgrade: websocket",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version: 13",
        "",
        "",
      ].join("\r\n"),
    );
    expect(answer.status).toBe(200);
    const seen = upstream.requests[0]?.headers;
    expect([seen?.["upgrade"], seen?.["sec-websocket-key"], seen?.["connection"]]).toEqual([undefined, undefined, "keep-alive"]);
  });

  it("U17: TRACE gets 405 with Allow; DEBUG and lowercase get never reach a route", async () => {
    const trace = await sendRaw(server.port, rawRequest("TRACE /rest/ml/models/x HTTP/1.1"));
    expect([trace.status, trace.headers["allow"]]).toEqual([405, "GET, POST, HEAD"]);
    await expectRefused("DEBUG /rest/ml/models/x HTTP/1.1", [400, 405]);
    await expectRefused("get /rest/ml/models/x HTTP/1.1", [400, 405]);
    await expectRefused("PROPFIND /rest/ml/models/x HTTP/1.1", [405]);
  });

  it("keeps serving after every refusal", async () => {
    const answer = await sendRaw(server.port, rawRequest("GET /rest/ml/models/x?after=1 HTTP/1.1"));
    expect([answer.status, JSON.parse(answer.body)]).toEqual([200, { url: "/v1/models/x?after=1" }]);
  });
});
