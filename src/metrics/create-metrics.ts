import { Counter, Gauge, Registry, type Metric } from "prom-client";
import { PlainCounter } from "./plain-counter.js";
import { PlainHistogram } from "./plain-histogram.js";
import { createClusterScrape } from "./cluster-scrape.js";

/** What the pipeline and the server report as they work; `/metrics` shows the totals. */
export interface MetricsRecorder {
  /** One upstream call (retries included) ended: `outcome` is its HTTP status or error code. */
  upstreamCall(upstream: string, method: string, outcome: string, seconds: number): void;
  /** What the shared cache did for one read: hit, stale, revalidated, miss, coalesced. */
  cacheRead(upstream: string, result: string): void;
  /** One HTTP request the instance answered: `route` is graphql, passthrough, api, mcp or other. */
  httpRequest(route: string, status: number, seconds: number): void;
  /** A Redis tier operation failed or ran past its time budget (`operation`: get, set, purge, lock, publish, connection...). */
  redisError(operation: string): void;
  /** A read went on to the first tier and the upstream because Redis did not answer in time. */
  redisFallback(): void;
}

/** Live values read when `/metrics` is scraped. */
export interface MetricsSources {
  inFlight(): number;
  cacheEntries(): number;
  cacheBytes(): number;
  /** Each upstream's breaker: open (failing fast) or not. */
  breakers(): Iterable<[upstream: string, open: boolean]>;
  /** Subscriptions (`@rest(stream:)` fields) open now, over SSE and WebSocket. */
  subscriptions?(): number;
}

export interface TrestleMetrics extends MetricsRecorder {
  /** The Prometheus text exposition of every metric, and its content type. */
  scrape(): Promise<{ body: string; contentType: string }>;
  /** The instance's prom-client registry (what a worker of `--workers` answers its primary from). */
  readonly registry: Registry;
}

/** The same buckets for HTTP and upstream latency: 1 ms to 10 s. */
const buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The instance's Prometheus metrics (prom-client), in a registry of its own, so two instances
 * in one process never mix. Labels are bounded: upstream names from the schema, methods,
 * status codes and error codes, cache results, three routes; never paths, ids or users.
 */
export function createMetrics(sources: MetricsSources): TrestleMetrics {
  const registry = new Registry();
  // The per-call metrics are plain counters and bucket arrays, found by label values without
  // building labels objects; prom-client reads them only when scraped (plain-counter.ts).
  const upstreamCalls = new PlainCounter(
    "trestle_upstream_requests_total",
    "Upstream calls by upstream, method and outcome (HTTP status, or the error code when no answer came).",
    ["upstream", "method", "outcome"],
  );
  const upstreamSeconds = new PlainHistogram(
    "trestle_upstream_request_duration_seconds",
    "Upstream call time, retries included, until the answer's headers (passthrough) or whole body (GraphQL fields).",
    ["upstream"],
    buckets,
  );
  const cacheReads = new PlainCounter(
    "trestle_cache_reads_total",
    "GET/HEAD reads by what the shared cache did: hit, stale, revalidated, miss, coalesced.",
    ["upstream", "result"],
  );
  const httpRequests = new PlainCounter(
    "trestle_http_requests_total",
    "HTTP requests answered, by route (graphql, passthrough, api, mcp, other) and status.",
    ["route", "status"],
  );
  const httpSeconds = new PlainHistogram(
    "trestle_http_request_duration_seconds",
    "Time to answer an HTTP request, by route.",
    ["route"],
    buckets,
  );
  for (const metric of [upstreamCalls, upstreamSeconds, cacheReads, httpRequests, httpSeconds])
    registry.registerMetric(metric as unknown as Metric);
  new Gauge({
    name: "trestle_http_requests_in_flight",
    help: "HTTP requests being answered.",
    registers: [registry],
    collect() {
      this.set(sources.inFlight());
    },
  });
  new Gauge({
    name: "trestle_subscriptions_open",
    help: "Subscriptions (stream fields) open now, over SSE and WebSocket.",
    registers: [registry],
    collect() {
      this.set(sources.subscriptions?.() ?? 0);
    },
  });
  new Gauge({
    name: "trestle_cache_entries",
    help: "Answers held by the shared cache.",
    registers: [registry],
    collect() {
      this.set(sources.cacheEntries());
    },
  });
  new Gauge({
    name: "trestle_cache_bytes",
    help: "Bytes held by the shared cache, as counted against its maxSize.",
    registers: [registry],
    collect() {
      this.set(sources.cacheBytes());
    },
  });
  const redisErrors = new Counter({
    name: "trestle_cache_redis_errors_total",
    help: "Redis tier operations that failed or ran past their time budget, by operation.",
    labelNames: ["operation"],
    registers: [registry],
  });
  const redisFallbacks = new Counter({
    name: "trestle_cache_redis_fallbacks_total",
    help: "Reads answered without the Redis tier (first tier and upstream) because Redis did not answer in time.",
    registers: [registry],
  });
  new Gauge({
    name: "trestle_upstream_breaker_open",
    // Across workers, the breaker is open if it is open in any of them.
    aggregator: "max",
    help: "1 while an upstream's circuit breaker is open (calls fail at once with UPSTREAM_CIRCUIT_OPEN), else 0.",
    labelNames: ["upstream"],
    registers: [registry],
    collect() {
      for (const [upstream, open] of sources.breakers()) this.set({ upstream }, open ? 1 : 0);
    },
  });

  /** Status codes as label values, made once each. */
  const statusLabels = new Map<number, string>();
  return {
    upstreamCall(upstream, method, outcome, seconds) {
      upstreamCalls.series.three(upstream, method, outcome).value++;
      upstreamSeconds.observe(upstreamSeconds.series.one(upstream), seconds);
    },
    cacheRead(upstream, result) {
      cacheReads.series.two(upstream, result).value++;
    },
    httpRequest(route, status, seconds) {
      let label = statusLabels.get(status);
      if (label === undefined) statusLabels.set(status, (label = String(status)));
      httpRequests.series.two(route, label).value++;
      httpSeconds.observe(httpSeconds.series.one(route), seconds);
    },
    registry,
    redisError: (operation) => redisErrors.inc({ operation }),
    redisFallback: () => redisFallbacks.inc(),
    scrape: createClusterScrape(registry) ?? (async () => ({ body: await registry.metrics(), contentType: registry.contentType })),
  };
}
