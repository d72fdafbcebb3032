import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { query } from "../helpers/graphql.js";
import { sendJson, startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";
import { rawRequest, sendRaw, serveTrestle, type TrestleServer } from "./raw-http.js";

// S09: one rule for a path value, whether a GraphQL argument fills `{args.id}` or a client
// writes the segment of a passthrough route (src/connector/check-path-value.ts).
let upstream: TestUpstream;
let trestle: Trestle;
let server: TrestleServer;

beforeAll(async () => {
  upstream = await startTestUpstream((req, res) => sendJson(res, 200, { url: req.url }));
  trestle = await createTestTrestle(/* GraphQL */ `
    extend schema @upstream(name: "api", baseUrl: "${upstream.url}/api", passthrough: { paths: ["/items/*"] })
    type Query { item(id: String!): Item @rest(upstream: "api", path: "/items/{args.id}") }
    type Item { url: String }
  `);
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

const received = () => upstream.requests.map((r) => r.url);
const field = (id: string) => query(trestle, `query($id: String!) { item(id: $id) { url } }`, { id });
/** The segment as a client writes it: the value percent-encoded, as `encodeURIComponent` does. */
const passthrough = (id: string) => sendRaw(server.port, rawRequest(`GET /rest/api/items/${encodeURIComponent(id)} HTTP/1.1`));

/** A normal user, right after: both routes still answer. */
async function expectNormalUserServed(): Promise<void> {
  upstream.requests.length = 0;
  expect((await field("m-1")).data).toEqual({ item: { url: "/api/items/m-1" } });
  expect((await passthrough("m-1")).status).toBe(200);
  expect(received()).toEqual(["/api/items/m-1", "/api/items/m-1"]);
}

describe("S09: the same path values are refused on both routes", () => {
  it.each([
    ["dot", "."],
    ["dot-dot", ".."],
    ["three dots", "..."],
    ["dot-dot and a trailing space (..%20)", ".. "],
    ["dot-dot and a tab", "..\t"],
    ["dot-dot with a path parameter", "..;jsessionid=x"],
    ["full-width dots U+FF0E", "．．"],
    ["two-dot leader U+2025", "‥"],
    ["one-dot leader and a dot", "․."],
    ["encoded dot-dot, sent encoded again (%252e%252e)", "%2e%2e"],
    ["encoded dot-dot, triple-encoded (%25252e)", "%252e%252e"],
    ["encoded slash inside the value", "a%2Fb"],
    ["dot-dot then a slash", "../admin"],
    ["dot-dot then a backslash", "..\\admin"],
    ["a slash then dot-dot", "models/../../admin"],
    ["full-width solidus and dot-dot", "..／admin"],
    ["a NUL", "a\u0000b"],
    ["CR LF", "a\r\nX: y"],
    ["empty", ""],
  ])("S09: %s (%j) is refused with BAD_USER_INPUT / 400 and nothing is sent", async (_name, value) => {
    const result = await field(value);
    expect(result.data).toEqual({ item: null });
    expect(result.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
    expect(result.errors?.[0]?.message).toContain("{args.id} of Query.item cannot be");

    const answer = await passthrough(value);
    expect(answer.status).toBe(value === "" ? 404 : 400);
    if (value !== "")
      expect(JSON.parse(answer.body)).toMatchObject({ type: "https://trestle.dev/problems/invalid-request-target", status: 400 });
    expect(received()).toEqual([]);
    await expectNormalUserServed();
  });

  it.each([
    ["a Chinese name", "模型", "%E6%A8%A1%E5%9E%8B"],
    ["an accented name", "café", "caf%C3%A9"],
    ["a decomposed accent", "cafe\u0301", "cafe%CC%81"],
    ["dots inside a name", "a..b", "a..b"],
    ["a version", "v1.2.3", "v1.2.3"],
    ["a leading dot", ".well-known", ".well-known"],
    ["a trailing dot", "model.", "model."],
    ["a space", "fraud xgb", "fraud%20xgb"],
    ["a percent sign", "50%off", "50%25off"],
    ["an encoded non-separator", "%41", "%2541"],
    ["a semicolon", "a;b", "a%3Bb"],
  ])("S09: %s (%j) is still served on both routes", async (_name, value, sent) => {
    const result = await field(value);
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ item: { url: `/api/items/${sent}` } });
    const answer = await passthrough(value);
    expect(answer.status).toBe(200);
    expect(received()).toEqual([`/api/items/${sent}`, `/api/items/${sent}`]);
  });

  it("S09: a separator is data in an argument (one encoded segment) but refused in a passthrough path, whose segments are routed", async () => {
    expect((await field("org/model")).data).toEqual({ item: { url: "/api/items/org%2Fmodel" } });
    expect((await passthrough("org/model")).status).toBe(400);
    expect(received()).toEqual(["/api/items/org%2Fmodel"]);
  });

  it("S09: the message names the value and the reason", async () => {
    const result = await field("．．");
    expect(result.errors?.[0]?.message).toBe(
      'Path variable {args.id} of Query.item cannot be "．．" (argument): it holds a "." or ".." segment (in any spelling: "...", ".. ", "..;x", full-width or two-dot leader). Path values must be non-empty, free of control characters and of "." or ".." segments in any spelling.',
    );
    const answer = await sendRaw(server.port, rawRequest("GET /rest/api/items/%252e%252e HTTP/1.1"));
    expect(JSON.parse(answer.body).detail).toBe(
      'Invalid request target: the path segment "%252e%252e" holds a dot or separator percent-encoded twice.',
    );
  });
});
