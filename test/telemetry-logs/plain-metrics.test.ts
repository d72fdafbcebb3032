import { AggregatorRegistry, Counter, Histogram, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createMetrics, type MetricsRecorder } from "../../src/metrics/create-metrics.js";

// Issue 24, item 4: the per-call metrics are plain counters and bucket arrays read at scrape
// time; the series must be what prom-client's own Counter and Histogram made (MT01, MT02).
const buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The five per-call metrics as they were defined with prom-client (before issue 24), in a registry of their own. */
function reference(): { registry: Registry; recorder: Pick<MetricsRecorder, "upstreamCall" | "cacheRead" | "httpRequest"> } {
  const registry = new Registry();
  const upstreamCalls = new Counter({
    name: "trestle_upstream_requests_total",
    help: "Upstream calls by upstream, method and outcome (HTTP status, or the error code when no answer came).",
    labelNames: ["upstream", "method", "outcome"],
    registers: [registry],
  });
  const upstreamSeconds = new Histogram({
    name: "trestle_upstream_request_duration_seconds",
    help: "Upstream call time, retries included, until the answer's headers (passthrough) or whole body (GraphQL fields).",
    labelNames: ["upstream"],
    buckets,
    registers: [registry],
  });
  const cacheReads = new Counter({
    name: "trestle_cache_reads_total",
    help: "GET/HEAD reads by what the shared cache did: hit, stale, revalidated, miss, coalesced.",
    labelNames: ["upstream", "result"],
    registers: [registry],
  });
  const httpRequests = new Counter({
    name: "trestle_http_requests_total",
    help: "HTTP requests answered, by route (graphql, passthrough, api, mcp, other) and status.",
    labelNames: ["route", "status"],
    registers: [registry],
  });
  const httpSeconds = new Histogram({
    name: "trestle_http_request_duration_seconds",
    help: "Time to answer an HTTP request, by route.",
    labelNames: ["route"],
    buckets,
    registers: [registry],
  });
  return {
    registry,
    recorder: {
      upstreamCall(upstream, method, outcome, seconds) {
        upstreamCalls.inc({ upstream, method, outcome });
        upstreamSeconds.observe({ upstream }, seconds);
      },
      cacheRead: (upstream, result) => cacheReads.inc({ upstream, result }),
      httpRequest(route, status, seconds) {
        httpRequests.inc({ route, status: String(status) });
        httpSeconds.observe({ route }, seconds);
      },
    },
  };
}

const sources = { inFlight: () => 0, cacheEntries: () => 0, cacheBytes: () => 0, breakers: () => [] };
const perCall =
  /^# HELP (trestle_upstream_requests_total|trestle_upstream_request_duration_seconds|trestle_cache_reads_total|trestle_http_requests_total|trestle_http_request_duration_seconds) /;

/** The same varied calls to both: values on bucket bounds, between them, past the last, zero; labels interleaved. */
function record(recorder: Pick<MetricsRecorder, "upstreamCall" | "cacheRead" | "httpRequest">, seed: number): void {
  const seconds = [0, 0.001, 0.0011, 0.0025, 0.003, 0.05, 0.7, 1, 2.5, 9.99, 10, 11, 120];
  const upstreams = ["ml", "users", "billing-api"];
  const outcomes = ["200", "404", "503", "UPSTREAM_TIMEOUT", "UPSTREAM_CIRCUIT_OPEN"];
  for (let i = 0; i < 200; i++) {
    const s = seconds[(i * 7 + seed) % seconds.length]!;
    recorder.upstreamCall(upstreams[(i + seed) % 3]!, i % 4 === 0 ? "POST" : "GET", outcomes[(i * 3 + seed) % outcomes.length]!, s);
    recorder.cacheRead(upstreams[(i * 5) % 3]!, ["hit", "miss", "stale", "coalesced", "revalidated"][(i + seed) % 5]!);
    recorder.httpRequest(
      ["graphql", "passthrough", "api", "mcp", "other"][(i * 3) % 5]!,
      [200, 400, 499, 500, 502][(i + seed) % 5]!,
      s / 3,
    );
  }
}

const blocks = (text: string) =>
  text
    .trim()
    .split("\n\n")
    .filter((block) => perCall.test(block))
    .join("\n\n");

describe("plain metrics read at scrape time", () => {
  it("MT01: the exposition of the per-call metrics is the text prom-client's Counter and Histogram made, byte for byte", async () => {
    const metrics = createMetrics(sources);
    const old = reference();
    record(metrics, 0);
    record(old.recorder, 0);
    const text = blocks((await metrics.scrape()).body);
    expect(text.split("\n\n")).toHaveLength(5);
    expect(text).toContain('trestle_upstream_request_duration_seconds_bucket{le="+Inf",upstream="billing-api"}');
    expect(text).toBe(blocks(await old.registry.metrics()));
  });

  it("MT02: across workers the primary's sums are the same (prom-client's AggregatorRegistry over each worker's get())", async () => {
    const workers = [createMetrics(sources), createMetrics(sources)];
    const olds = [reference(), reference()];
    workers.forEach((worker, at) => record(worker, at + 1));
    olds.forEach((old, at) => record(old.recorder, at + 1));
    // What a worker sends its primary: its registry's metrics as JSON (registry.getMetricsAsJSON()).
    const plain = await Promise.all(workers.map((worker) => worker.registry.getMetricsAsJSON()));
    const ours = AggregatorRegistry.aggregate(plain);
    const theirs = AggregatorRegistry.aggregate(await Promise.all(olds.map((old) => old.registry.getMetricsAsJSON())));
    expect(blocks(await ours.metrics())).toBe(blocks(await theirs.metrics()));
  });
});
