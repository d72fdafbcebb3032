import { describe, expect, it } from "vitest";
import type { UpstreamRequest } from "../../src/upstream/upstream-request.js";
import { readJsonAnswer } from "../../src/connector/map-answer.js";
import { jsonAnswer, planOf } from "./plan-fixture.js";

// Table tests for reading an upstream answer (src/connector/map-answer.ts): JSON, 404, or a coded error.

const upstream = planOf(`type Query { f: Item @rest(path: "/x") } type Item { id: ID }`).upstreams.get("api")!;
const request: UpstreamRequest = { upstream, method: "GET", path: "/v1/items/1", headers: {}, body: undefined };

function expectAnswer(status: number, body: string, contentType: string | undefined = "application/json") {
  const answer = jsonAnswer(status, body, contentType === undefined ? {} : { "content-type": contentType });
  try {
    return expect(readJsonAnswer(answer, request));
  } catch (error) {
    const { code, message, status: errorStatus, debug } = error as { code: string; message: string; status?: number; debug?: unknown };
    return expect({ code, message, status: errorStatus, debug });
  }
}

describe("readJsonAnswer: answers that are data", () => {
  it.each([
    [200, '{"id": 1}', "application/json", { id: 1 }],
    [200, "[1, 2]", "application/json; charset=utf-8", [1, 2]],
    [201, '"text"', "application/problem+json", "text"],
    [200, "null", "application/vnd.api+json", null],
    [200, "7", "text/json", 7],
    [200, '{"id": 1}', undefined, { id: 1 }],
    [204, "", "text/html", null],
    [200, "", "application/json", null],
    [299, "{}", "APPLICATION/JSON", {}],
  ])("%i %s (%s) → %j", (status, body, type, data) => {
    expectAnswer(status, body, type).toEqual({ notFound: false, data });
  });

  it.each([
    [404, '{"detail": "no such item"}'],
    [404, "<html>not found</html>"],
  ])("404 → notFound, whatever the body (%s)", (status, body) => {
    expectAnswer(status, body, "text/html").toEqual({ notFound: true });
  });

  it("the same answer object is parsed once and shared", () => {
    const answer = jsonAnswer(200, '{"id": 1}');
    const first = readJsonAnswer(answer, request);
    const second = readJsonAnswer(answer, request);
    expect(first.notFound === false && second.notFound === false && first.data === second.data).toBe(true);
  });
});

describe("readJsonAnswer: every bad answer is a coded error that keeps the body for debug only", () => {
  it.each([
    [500, "{}", "application/json", "UPSTREAM_ERROR", 'Upstream "api" answered 500.'],
    [503, "busy", "text/plain", "UPSTREAM_ERROR", 'Upstream "api" answered 503.'],
    [400, '{"error": "SECRET detail"}', "application/json", "UPSTREAM_ERROR", 'Upstream "api" answered 400.'],
    [401, "", "application/json", "UPSTREAM_ERROR", 'Upstream "api" answered 401.'],
    [429, "{}", "application/json", "UPSTREAM_ERROR", 'Upstream "api" answered 429.'],
    [199, "{}", "application/json", "UPSTREAM_ERROR", 'Upstream "api" answered 199.'],
    [301, "", "application/json", "UPSTREAM_BAD_RESPONSE", 'Upstream "api" answered with a redirect (301); redirects are not followed.'],
    [302, "", "text/html", "UPSTREAM_BAD_RESPONSE", 'Upstream "api" answered with a redirect (302); redirects are not followed.'],
    [304, "", "application/json", "UPSTREAM_BAD_RESPONSE", 'Upstream "api" answered with a redirect (304); redirects are not followed.'],
    [200, "<html>hi</html>", "text/html; charset=utf-8", "UPSTREAM_BAD_RESPONSE", 'Upstream "api" answered with text/html, not JSON.'],
    [
      200,
      "id=1",
      "application/x-www-form-urlencoded",
      "UPSTREAM_BAD_RESPONSE",
      'Upstream "api" answered with application/x-www-form-urlencoded, not JSON.',
    ],
    [200, "{}", "application/jsonp", "UPSTREAM_BAD_RESPONSE", 'Upstream "api" answered with application/jsonp, not JSON.'],
    [200, '{"id": ', "application/json", "UPSTREAM_BAD_RESPONSE", 'Upstream "api" answered with malformed JSON.'],
    [200, "\u0000", "application/json", "UPSTREAM_BAD_RESPONSE", 'Upstream "api" answered with malformed JSON.'],
    [200, "{'id': 1}", undefined, "UPSTREAM_BAD_RESPONSE", 'Upstream "api" answered with malformed JSON.'],
  ])("%i %j (%s) → %s", (status, body, type, code, message) => {
    expectAnswer(status, body, type).toMatchObject({ code, message, status, debug: { request: "GET /v1/items/1", body } });
  });

  it("the debug excerpt is capped at 1 KiB", () => {
    expectAnswer(500, "x".repeat(5000)).toMatchObject({ debug: { body: "x".repeat(1024) } });
  });
});
