import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { createPool } from "../../src/upstream/create-pool.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { query, type GraphQLResult } from "../helpers/graphql.js";
import { sendJson, startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";
import { testUpstreamPlan } from "../helpers/upstream-plan.js";
import { rawRequest, sendRaw, serveTrestle, type TrestleServer } from "../passthrough/raw-http.js";

// S01: a header value rendered from client input that undici refuses used to count as
// UPSTREAM_UNAVAILABLE (retried, counted by the breaker) and to leak one pool connection each
// (docs/undici-pool-leak.md); with maxConcurrency 2, the third one hung every later call.

let upstream: TestUpstream;
let trestle: Trestle;
let server: TrestleServer;

/** Every class of character outside RFC 9110's field-value: controls, DEL, and above U+00FF. */
const controls = [...Array.from({ length: 9 }, (_, i) => i), ...Array.from({ length: 22 }, (_, i) => i + 0x0a), 0x7f].map((code) =>
  String.fromCharCode(code),
);
const aboveLatin1 = ["\u0100", "\u2028", "\u2029", "\u{1F600}", "\uFFFD", "\uFEFF", "\uD800"];
const badValues = [...controls, ...aboveLatin1].map((char, i) =>
  i % 3 === 0 ? `${char}lead` : i % 3 === 1 ? `mid${char}dle` : `trail${char}`,
);
/** What WHATWG Headers lets through (it refuses NUL, CR, LF and anything above U+00FF; it trims TAB/SP). */
const fetchableBad = controls.filter((char) => !["\0", "\r", "\n"].includes(char)).map((char) => `t${char}x`);

const sdl = (url: string) => /* GraphQL */ `
  extend schema @upstream(
    name: "api", baseUrl: "${url}", maxConcurrency: 2, timeoutMs: 5000,
    headers: [{ name: "x-tenant", from: "x-tenant" }],
    passthrough: { methods: [GET, POST], paths: ["/**"] }
  )
  type Query {
    item(tenant: String!): Item @rest(path: "/items/1", headers: [{ name: "x-tenant-arg", value: "tenant {args.tenant}" }])
    plain: Item @rest(path: "/items/2")
  }
  type Item { id: String }
`;

beforeAll(async () => {
  upstream = await startTestUpstream((req, res) => sendJson(res, 200, { id: req.url }));
  // The client's X-Forwarded-For chain is forwarded (and so checked) only from a trusted peer.
  trestle = await createTestTrestle(sdl(upstream.url), { cache: { enabled: false }, passthrough: { trustedProxies: ["*"] } });
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

function expectRefused(result: GraphQLResult, header: string, coordinate: string, value: string): void {
  expect(result.data).toEqual({ item: null });
  expect(result.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
  expect(result.errors?.[0]?.message).toMatch(
    new RegExp(
      `^Header "${header}" for ${coordinate} would contain U\\+[0-9A-F]{4,5} at character \\d+: control characters and characters above U\\+00FF cannot be sent in an HTTP header; nothing was sent\\.$`,
    ),
  );
  expect(result.errors?.[0]?.message).not.toContain(value);
}

async function expectNormalUserServed(): Promise<void> {
  expect((await query(trestle, `{ plain { id } }`)).data).toEqual({ plain: { id: "/items/2" } });
}

describe("S01: header values outside RFC 9110's field-value", () => {
  it(`S01: ${badValues.length} bad values through {args.X}, interleaved with good calls: each BAD_USER_INPUT, nothing sent, the breaker stays closed`, async () => {
    let good = 0;
    for (const [i, value] of badValues.entries()) {
      expectRefused(
        await query(trestle, `query($t: String!) { item(tenant: $t) { id } }`, { t: value }),
        "x-tenant-arg",
        "Query.item",
        value,
      );
      if (i % 4 === 0) {
        expect((await query(trestle, `query($t: String!) { item(tenant: $t) { id } }`, { t: `acme-${i}` })).data).toEqual({
          item: { id: "/items/1" },
        });
        good++;
      }
    }
    // Only the good calls reached the upstream, each with its value as sent.
    expect(upstream.requests.map((r) => r.headers["x-tenant-arg"])).toEqual(Array.from({ length: good }, (_, k) => `tenant acme-${k * 4}`));
    // Far more than five refusals, yet the breaker (5 consecutive failures) never opened.
    await expectNormalUserServed();
    const ready = await trestle.fetch(new Request("http://trestle.test/readyz"));
    expect(await ready.json()).toMatchObject({ details: { upstreams: { api: "ok" } } });
  });

  it("S01: trims leading and trailing whitespace (RFC 9110 §5.5) and sends obs-text (U+0080–U+00FF) as it is", async () => {
    const result = await query(trestle, `query($t: String!) { item(tenant: $t) { id } }`, { t: "caf\u00e9\u00ff \t " });
    expect(result.data).toEqual({ item: { id: "/items/1" } });
    // Sent as the octets E9 FF, read back by Node as Latin-1.
    expect(upstream.requests[0]?.headers["x-tenant-arg"]).toBe("tenant caf\u00e9\u00ff");
  });

  it(`S01: ${fetchableBad.length * 4} bad client headers through trestle.fetch (forwarded by a from: rule, negotiated, or an X-Forwarded-For chain), GraphQL and passthrough: each refused, nothing sent`, async () => {
    let good = 0;
    for (const value of fetchableBad) {
      const viaGraphQL = await query(trestle, `{ plain { id } }`, {}, { "x-tenant": value });
      expect(viaGraphQL.errors?.[0]).toMatchObject({ extensions: { code: "BAD_USER_INPUT" } });
      expect(viaGraphQL.errors?.[0]?.message).toContain('Header "x-tenant" for Query.plain would contain U+00');
      for (const [header, message] of [
        ["x-tenant", 'Header "x-tenant" for the passthrough route of upstream "api" would contain'],
        ["accept", 'Header "accept" of the request cannot be forwarded: it contains'],
        ["x-forwarded-for", 'Header "x-forwarded-for" for upstream "api" would contain'],
      ] as const) {
        const response = await trestle.fetch(new Request("http://trestle.test/rest/api/items/3", { headers: { [header]: value } }));
        const problem = (await response.json()) as { status: number; code: string; detail: string };
        expect([response.status, problem.code]).toEqual([400, "BAD_USER_INPUT"]);
        expect(problem.detail).toContain(message);
        expect(problem.detail).not.toContain(value);
      }
      const fine = await trestle.fetch(new Request("http://trestle.test/rest/api/items/3", { headers: { "x-tenant": `t${good}` } }));
      expect(fine.status).toBe(200);
      await fine.text();
      good++;
    }
    expect(upstream.requests.map((r) => r.headers["x-tenant"])).toEqual(Array.from({ length: good }, (_, k) => `t${k}`));
    await expectNormalUserServed();
  });

  it("S01: through raw HTTP to trestle.handle: Node refuses control characters itself, obs-text is served, bad arguments are refused, and nothing bad is sent", async () => {
    const graphql = (variables: unknown) => {
      const body = JSON.stringify({ query: `query($t: String!) { item(tenant: $t) { id } }`, variables });
      return sendRaw(
        server.port,
        rawRequest(
          "POST /graphql HTTP/1.1",
          { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) },
          body,
        ),
      );
    };
    for (const value of badValues) {
      const answer = await graphql({ t: value });
      const body = JSON.parse(answer.body) as GraphQLResult;
      expect(body.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
    }
    for (const char of ["\u0001", "\u001f", "\u007f"]) {
      const answer = await sendRaw(server.port, rawRequest("GET /rest/api/items/4 HTTP/1.1", { "x-tenant": `a${char}b` }));
      expect(answer.status).toBe(400);
    }
    expect(upstream.requests).toEqual([]);
    // UTF-8 on the wire is obs-text to HTTP (octets 0x80–0xFF, read as Latin-1): field-vchar, forwarded octet for octet.
    for (const value of ["café", "\u{1F600}", "\u2028"]) {
      const obsText = await sendRaw(server.port, rawRequest("GET /rest/api/items/5 HTTP/1.1", { "x-tenant": value }));
      expect(obsText.status).toBe(200);
    }
    expect(upstream.requests.map((r) => Buffer.from(r.headers["x-tenant"] as string, "latin1").toString("utf8"))).toEqual([
      "café",
      "\u{1F600}",
      "\u2028",
    ]);
    await expectNormalUserServed();
  });

  it("S01: a value the app's onUpstreamRequest sets is checked too: UPSTREAM_REQUEST_HOOK_FAILED naming the header, nothing sent", async () => {
    let sign = "a\u0001b";
    const own = await createTestTrestle(sdl(upstream.url), {
      cache: { enabled: false },
      onUpstreamRequest: ({ headers }) => headers.set("x-signature", sign),
    });
    const refused = await query(own, `{ plain { id } }`);
    expect(refused.errors?.[0]).toMatchObject({
      message:
        'onUpstreamRequest set header "x-signature" for upstream "api" to a value with U+0001 at character 2: control characters and characters above U+00FF cannot be sent in an HTTP header; nothing was sent.',
      extensions: { code: "UPSTREAM_REQUEST_HOOK_FAILED", upstream: "api" },
    });
    expect(upstream.requests).toEqual([]);
    sign = "ok";
    expect((await query(own, `{ plain { id } }`)).data).toEqual({ plain: { id: "/items/2" } });
    await own.close();
  });
});

describe("S01: the undici workaround (createPool), with nothing checked before it", () => {
  it("S01: a pool of 2 connections keeps serving after 20 requests undici refuses (InvalidArgumentError)", async () => {
    const pool = createPool(
      testUpstreamPlan({
        name: "api",
        origin: upstream.url,
        resilience: {
          retries: 0,
          backoffMs: 1,
          maxRetryAfterMs: 1000,
          breakerFailures: 0,
          breakerResetMs: 1000,
          maxConcurrency: 2,
          maxQueue: 8,
        },
      }),
    );
    for (const value of badValues.slice(0, 20)) {
      await expect(pool.request({ method: "GET", path: "/x", headers: { "x-bad": value } })).rejects.toMatchObject({
        code: "UND_ERR_INVALID_ARG",
      });
    }
    // Without the workaround, both connections are lost after two refusals and this waits forever.
    const answers = await Promise.all(
      Array.from({ length: 4 }, () => pool.request({ method: "GET", path: "/after" }).then((a) => a.body.json())),
    );
    expect(answers).toEqual(Array.from({ length: 4 }, () => ({ id: "/after" })));
    await pool.close();
  });
});
