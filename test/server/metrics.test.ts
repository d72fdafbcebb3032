import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { query } from "../helpers/graphql.js";
import { sendJson, startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";

// GET <prefix>/metrics: Prometheus text, one registry per instance, bounded labels.
let upstream: TestUpstream;
const schema = (url: string) => /* GraphQL */ `
  extend schema @upstream(name: "api", baseUrl: "${url}", retry: { attempts: 0 }, breaker: { failures: 1, resetMs: 60000 },
                          passthrough: { methods: [GET, POST], paths: ["/items/**"] })
  type Query { item(id: ID!): Item @rest(path: "/items/{args.id}") broken: Item @rest(path: "/broken") }
  type Item { id: ID }
`;

beforeAll(async () => {
  upstream = await startTestUpstream((req, res) => {
    if (req.url === "/broken") return sendJson(res, 500, {});
    return sendJson(res, 200, { id: req.url.split("/")[2] }, { "cache-control": "max-age=30" });
  });
});
afterAll(async () => upstream.close());

async function scrape(trestle: Trestle, path = "/metrics") {
  const response = await trestle.fetch(new Request(`http://trestle.test${path}`));
  return { status: response.status, type: response.headers.get("content-type"), text: await response.text() };
}

/** The value of one sample line, e.g. `trestle_cache_reads_total{upstream="api",result="hit"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe("/metrics", () => {
  let trestle: Trestle;
  beforeAll(async () => {
    trestle = await createTestTrestle(schema(upstream.url), { prefix: "/bff" });
  });
  afterAll(async () => trestle.close());

  it("counts HTTP requests, upstream calls, cache reads, and shows the cache and breaker state", async () => {
    const path = "/bff/graphql";
    expect((await query(trestle, `{ item(id: "a") { id } }`, {}, {}, path)).data).toEqual({ item: { id: "a" } });
    expect((await query(trestle, `{ item(id: "a") { id } }`, {}, {}, path)).data).toEqual({ item: { id: "a" } });
    const passthrough = await trestle.fetch(new Request("http://trestle.test/bff/rest/api/items/b"));
    expect(passthrough.status).toBe(200);
    // The answer has no length: it is stored as it streams, once read to its end.
    await passthrough.text();
    expect((await trestle.fetch(new Request("http://trestle.test/bff/rest/api/items/c", { method: "POST", body: "{}" }))).status).toBe(200);
    expect((await query(trestle, `{ broken { id } }`, {}, {}, path)).errors?.[0]?.extensions?.["code"]).toBe("UPSTREAM_ERROR");

    const { status, type, text } = await scrape(trestle, "/bff/metrics");
    expect(status).toBe(200);
    expect(type).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(sample(text, 'trestle_upstream_requests_total{upstream="api",method="GET",outcome="200"}')).toBe(2);
    expect(sample(text, 'trestle_upstream_requests_total{upstream="api",method="POST",outcome="200"}')).toBe(1);
    expect(sample(text, 'trestle_upstream_requests_total{upstream="api",method="GET",outcome="500"}')).toBe(1);
    expect(sample(text, 'trestle_upstream_request_duration_seconds_count{upstream="api"}')).toBe(4);
    expect(sample(text, 'trestle_cache_reads_total{upstream="api",result="miss"}')).toBe(3);
    // The repeated query is answered by the result cache (docs/result-cache.md), its read not made again.
    expect(sample(text, 'trestle_cache_reads_total{upstream="",result="operation"}')).toBe(1);
    expect(sample(text, 'trestle_http_requests_total{route="graphql",status="200"}')).toBe(3);
    expect(sample(text, 'trestle_http_requests_total{route="passthrough",status="200"}')).toBe(2);
    expect(sample(text, 'trestle_http_request_duration_seconds_count{route="graphql"}')).toBe(3);
    expect(sample(text, "trestle_cache_entries")).toBe(2);
    expect(sample(text, "trestle_cache_bytes")).toBe(trestle.cache.calculatedSize);
    expect(sample(text, 'trestle_upstream_breaker_open{upstream="api"}')).toBe(1);
    // The scrape itself is counted once it is answered: in flight, it is the only request.
    expect(sample(text, "trestle_http_requests_in_flight")).toBe(1);
    expect(sample((await scrape(trestle, "/bff/metrics")).text, 'trestle_http_requests_total{route="other",status="200"}')).toBe(1);
    // Labels never carry paths, ids or users.
    expect(text).not.toMatch(/items|\/bff\/rest/);
  });

  it("is per instance: another instance counts only its own", async () => {
    const other = await createTestTrestle(schema(upstream.url));
    try {
      const { text } = await scrape(other);
      expect(sample(text, 'trestle_upstream_requests_total{upstream="api",method="GET",outcome="200"}')).toBeUndefined();
      expect(sample(text, 'trestle_upstream_breaker_open{upstream="api"}')).toBe(0);
    } finally {
      await other.close();
    }
  });

  it("metrics: false turns the route off: it is not Trestle's any more", async () => {
    const off = await createTestTrestle(schema(upstream.url), { metrics: false });
    try {
      expect((await scrape(off)).status).toBe(404);
      expect(off.owns("/metrics")).toBe(false);
      expect(trestle.owns("/bff/metrics")).toBe(true);
    } finally {
      await off.close();
    }
  });
});
