import { describe, expect, it } from "vitest";
import type { UpstreamRequest } from "../../src/upstream/upstream-request.js";
import { failedAnswer, readJsonAnswer } from "../../src/connector/map-answer.js";
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

describe("failedAnswer: details of the statuses the schema exposes (errors: { expose })", () => {
  const errors = { statuses: new Set([400, 403, 404, 409, 422]), detail: ["detail"] };
  const sent: UpstreamRequest = { ...request, headers: { authorization: "Bearer tok-0123456789", accept: "application/json" } };
  const failed = (status: number, body: string, contentType = "application/json", exposure: [typeof errors | undefined] = [errors]) => {
    const error = failedAnswer(jsonAnswer(status, body, { "content-type": contentType }), sent, exposure[0]);
    return { message: error.message, extensions: error.extensions };
  };
  const v2Items = [
    {
      type: "missing",
      loc: ["body", "name"],
      msg: "Field required",
      input: { secret: "user data" },
      url: "https://errors.pydantic.dev/2.5/v/missing",
    },
    {
      type: "greater_than",
      loc: ["query", "limit"],
      msg: "Input should be greater than 0",
      input: "-1",
      ctx: { gt: 0 },
      url: "https://errors.pydantic.dev/2.5/v/greater_than",
    },
  ];

  it.each([
    [
      "FastAPI/Pydantic v1 items keep loc, msg, type, ctx; the first is the message",
      422,
      {
        detail: [
          {
            loc: ["body", "instances", 0, "values"],
            msg: "ensure this value has at least 1 items",
            type: "value_error.list.min_items",
            ctx: { limit_value: 1 },
          },
        ],
      },
      'Upstream "api" answered 422: ensure this value has at least 1 items (at body.instances.0.values)',
      [
        {
          loc: ["body", "instances", 0, "values"],
          msg: "ensure this value has at least 1 items",
          type: "value_error.list.min_items",
          ctx: { limit_value: 1 },
        },
      ],
    ],
    [
      "Pydantic v2 items lose input and url",
      422,
      { detail: v2Items },
      'Upstream "api" answered 422: Field required (at body.name)',
      [
        { type: "missing", loc: ["body", "name"], msg: "Field required" },
        { type: "greater_than", loc: ["query", "limit"], msg: "Input should be greater than 0", ctx: { gt: 0 } },
      ],
    ],
    [
      "unknown members of a validation item are dropped",
      422,
      { detail: [{ loc: [], msg: "bad", type: "t", trace: "at x.py:3" }] },
      'Upstream "api" answered 422: bad',
      [{ loc: [], msg: "bad", type: "t" }],
    ],
    ["a string detail", 403, { detail: "Invalid token" }, 'Upstream "api" answered 403: Invalid token', "Invalid token"],
    [
      "an object detail",
      409,
      { detail: { error: "version_not_found", latest: 3 } },
      'Upstream "api" answered 409.',
      { error: "version_not_found", latest: 3 },
    ],
    ["a list that is not validation items is kept as JSON", 400, { detail: [1, "two"] }, 'Upstream "api" answered 400.', [1, "two"]],
    [
      "a detail echoing the token sent",
      403,
      { detail: "token tok-0123456789 revoked" },
      'Upstream "api" answered 403: [header value removed]',
      "[header value removed]",
    ],
  ])("%s", (_name, status, body, message, details) => {
    expect(failed(status, JSON.stringify(body))).toEqual({ message, extensions: { upstream: "api", status, details } });
  });

  it("an RFC 9457 problem is shown whole but an absolute instance URL; detail (else title) is the message", () => {
    const problem = {
      type: "https://example.com/probs/out-of-credit",
      title: "You do not have enough credit.",
      status: 403,
      detail: "Your current balance is 30, but that costs 50.",
      instance: "https://ml.example.com/account/12345/msgs/abc",
      balance: 30,
      accounts: ["/account/12345", "/account/67890"],
    };
    const { instance: _instance, ...shown } = problem;
    expect(failed(403, JSON.stringify(problem), "application/problem+json")).toEqual({
      message: 'Upstream "api" answered 403: Your current balance is 30, but that costs 50.',
      extensions: { upstream: "api", status: 403, details: shown },
    });
    const relative = { title: "Not allowed", status: 403, instance: "/account/12345/msgs/abc" };
    expect(failed(403, JSON.stringify(relative), "application/problem+json; charset=utf-8")).toEqual({
      message: 'Upstream "api" answered 403: Not allowed',
      extensions: { upstream: "api", status: 403, details: relative },
    });
  });

  it.each([
    ["a status not exposed", 401, '{"detail": "Not authenticated"}', "application/json", errors],
    ["no errors: at all", 422, '{"detail": "bad"}', "application/json", undefined],
    ["expose: []", 422, '{"detail": "bad"}', "application/json", { statuses: new Set<number>(), detail: ["detail"] }],
    [
      "a 5xx, whatever the plan says",
      500,
      '{"detail": "db at 10.0.0.5"}',
      "application/json",
      { statuses: new Set([500]), detail: ["detail"] },
    ],
    ["a body that is not JSON", 422, "<html>Unprocessable</html>", "text/html", errors],
    ["malformed JSON", 422, '{"detail": [', "application/json", errors],
    ["an empty body", 422, "", "application/json", errors],
    ["a path that holds nothing", 422, '{"error": {"message": "bad"}}', "application/json", errors],
    [
      "a path into the prototype",
      422,
      '{"detail": {}}',
      "application/json",
      { statuses: new Set([422]), detail: ["detail", "constructor"] },
    ],
  ])("no details for %s", (_name, status, body, type, exposure) => {
    expect(failed(status, body, type, [exposure])).toEqual({
      message: `Upstream "api" answered ${status}.`,
      extensions: { upstream: "api", status },
    });
  });

  it("says so when the details were cut", () => {
    const body = JSON.stringify({ detail: Array.from({ length: 2000 }, (_, i) => ({ loc: ["body", i], msg: "bad value", type: "t" })) });
    const { extensions } = failed(422, body);
    expect(extensions["detailsTruncated"]).toBe(true);
    expect(Buffer.byteLength(JSON.stringify(extensions["details"]))).toBeLessThanOrEqual(16 * 1024);
  });
});
