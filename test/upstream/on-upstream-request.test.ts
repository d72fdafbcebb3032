import { createHmac } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { OutgoingUpstreamRequest, Trestle, TrestleOptions } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { query } from "../helpers/graphql.js";
import { sendJson, startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";

let upstream: TestUpstream;
const opened: Trestle[] = [];
beforeAll(async () => {
  upstream = await startTestUpstream((req, res) =>
    sendJson(res, 200, { id: req.url, signature: req.headers["x-signature"] ?? null }, { "cache-control": "max-age=60" }),
  );
});
beforeEach(() => void upstream.requests.splice(0));
afterAll(async () => {
  await Promise.all(opened.map((t) => t.close()));
  await upstream.close();
});

async function build(hook: NonNullable<TrestleOptions["onUpstreamRequest"]>, extra: Partial<TrestleOptions> = {}): Promise<Trestle> {
  const trestle = await createTestTrestle(
    `extend schema @upstream(name: "api", baseUrl: "${upstream.url}/v1")
     type Query { item(id: ID!): Item @rest(path: "/items/{args.id}") }
     type Mutation { save(text: String!): Item @rest(method: POST, path: "/items", body: "{\\"text\\": {args.text}}") }
     type Item { id: String signature: String }`,
    { onUpstreamRequest: hook, ...extra },
  );
  opened.push(trestle);
  return trestle;
}

describe("onUpstreamRequest", () => {
  it("sees the request about to be sent and may add or replace headers (an HMAC of the body)", async () => {
    const seen: OutgoingUpstreamRequest[] = [];
    const trestle = await build(({ method, url, body, headers, upstream: name }) => {
      seen.push({ method, url, body, headers: new Headers(headers), upstream: name });
      headers.set(
        "x-signature",
        createHmac("sha256", "secret")
          .update(`${method} ${url}\n${body ?? ""}`)
          .digest("hex"),
      );
      headers.set("accept", "application/vnd.api+json");
    });
    const result = await query(trestle, `mutation { save(text: "hi") { id signature } }`);
    const url = `${upstream.url}/v1/items`;
    const expected = createHmac("sha256", "secret").update(`POST ${url}\n{"text": "hi"}`).digest("hex");
    expect(result.data).toEqual({ save: { id: "/v1/items", signature: expected } });
    expect(seen.map((r) => [r.upstream, r.method, r.url, r.body, r.headers.get("content-type")])).toEqual([
      ["api", "POST", url, `{"text": "hi"}`, "application/json"],
    ]);
    expect(upstream.requests[0]?.headers).toMatchObject({ "x-signature": expected, accept: "application/vnd.api+json" });
  });

  it("may be async (fetch a token first)", async () => {
    const trestle = await build(async ({ headers }) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      headers.set("authorization", "Bearer service-token");
    });
    await query(trestle, `{ item(id: "1") { id } }`);
    expect(upstream.requests[0]?.headers["authorization"]).toBe("Bearer service-token");
  });

  it("is not called for answers served from the shared cache", async () => {
    let calls = 0;
    const trestle = await build(() => void calls++);
    await query(trestle, `{ item(id: "c") { id } }`);
    await query(trestle, `{ item(id: "c") { id } }`);
    expect([calls, upstream.requests.length]).toEqual([1, 1]);
  });

  it.each([
    [
      "throws",
      () => {
        throw new Error("no service token (vault down)");
      },
      'onUpstreamRequest failed for a request to upstream "api"; nothing was sent.',
      "no service token (vault down)",
    ],
    [
      "rejects",
      async () => Promise.reject(new Error("late failure")),
      'onUpstreamRequest failed for a request to upstream "api"; nothing was sent.',
      "late failure",
    ],
    [
      "sets a header value with CR/LF",
      ({ headers }: OutgoingUpstreamRequest) => headers.set("x-evil", "a\r\nx-injected: 1"),
      'onUpstreamRequest failed for a request to upstream "api"; nothing was sent.',
      expect.stringContaining("invalid header value"),
    ],
    [
      "sets a header the HTTP layer owns",
      ({ headers }: OutgoingUpstreamRequest) => headers.set("host", "evil.test"),
      'onUpstreamRequest set header "host" for upstream "api", but the HTTP layer owns it; nothing was sent.',
      undefined,
    ],
  ])("that %s fails the field with UPSTREAM_REQUEST_HOOK_FAILED and sends nothing", async (_what, hook, message, reason) => {
    const trestle = await build(hook, { debug: true, cache: { enabled: false } });
    const result = await query(trestle, `{ item(id: "1") { id } }`);
    expect(result.data).toEqual({ item: null });
    expect(result.errors?.[0]).toMatchObject({
      message,
      path: ["item"],
      extensions: { code: "UPSTREAM_REQUEST_HOOK_FAILED", upstream: "api" },
    });
    if (reason !== undefined) expect((result.errors?.[0]?.extensions?.["debug"] as { reason?: string }).reason).toEqual(reason);
    expect(upstream.requests).toEqual([]);
  });

  it("keeps the hook's own message out of the answer unless debug is on", async () => {
    const trestle = await build(() => {
      throw new Error("secret detail");
    });
    const result = await query(trestle, `{ item(id: "2") { id } }`);
    expect(JSON.stringify(result)).not.toContain("secret detail");
  });

  it("refuses a value that is not a function", async () => {
    await expect(build("yes" as unknown as NonNullable<TrestleOptions["onUpstreamRequest"]>)).rejects.toThrow(
      "onUpstreamRequest must be a function, received string",
    );
  });
});
