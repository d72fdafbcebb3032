import { normalizeCacheOptions, type NormalizedCacheOptions } from "../cache/cache-options.js";
import type { CacheStatus } from "../cache/cache-status.js";
import { createCachedSend, type CachedSend, type TrestleCache } from "../cache/create-cached-send.js";
import { createCachedStream } from "../cache/create-cached-stream.js";
import type { UpstreamRequest } from "../upstream/upstream-request.js";
import type { UpstreamPlan } from "../plan/schema-plan.js";
import { UpstreamClient, type UpstreamClientOptions, type UpstreamResponse } from "../upstream/upstream-client.js";
import type { StreamBody, StreamOptions, UpstreamStream } from "../upstream/stream-upstream.js";
import type { MetricsRecorder } from "../metrics/create-metrics.js";
import type { ClientSignal } from "../upstream/client-signal.js";
import type { UpstreamState } from "../upstream/create-resilience.js";
import { createSecondTier } from "../cache/create-second-tier.js";
import { liveTracer } from "../tracing/live-tracer.js";
import { traceUpstreamCall } from "../tracing/trace-upstream-call.js";
import { sameUpstream } from "./same-upstream.js";
import { createDedupeSend } from "../cache/create-dedupe-send.js";
import { noteDedupeReads } from "../cache/dedupe-read-facts.js";
import { observeCall } from "./observe-call.js";

/**
 * The instance-wide end of the request pipeline (build → load → **cache → send**): every
 * upstream call of every operation, GraphQL field or passthrough route, goes through `send`.
 * It owns one UpstreamClient (connection pool) per upstream, and the instance's shared
 * response cache (src/cache/): a GET/HEAD may be answered from it, `status` says how.
 */
export interface UpstreamPipeline {
  /** `signal` is the client's: once it aborts, a call no other caller waits for is abandoned. */
  send(request: UpstreamRequest, status?: CacheStatus, signal?: ClientSignal): Promise<UpstreamResponse>;
  /**
   * The passthrough route's send: the answer as it streams, bodies never buffered. GET/HEAD
   * pass here too, so this is where the shared cache hooks them in.
   */
  stream(request: UpstreamRequest, body: StreamBody | null, options: StreamOptions): Promise<UpstreamStream>;
  /** A subscription's one call (`@rest(stream:)`): never cached, see UpstreamClient.openStream. */
  openStream(request: UpstreamRequest, signal: ClientSignal): Promise<UpstreamStream>;
  client(upstream: string): UpstreamClient;
  /** Each upstream's breaker: open (or half-open) or closed. */
  breakers(): Iterable<[upstream: string, open: boolean]>;
  /** Each upstream's state for `/readyz`: "ok", or "stuck" (see Resilience.state). */
  states(): Record<string, UpstreamState>;
  /** The shared response cache: purge, size (an empty, disabled one when `cache.enabled` is false). */
  cache: TrestleCache;
  /** Every purge of the shared cache that reaches this process, for the result cache (src/execution/create-operation-results.ts). */
  onPurge: CachedSend["onPurge"];
  /** For `/readyz`: "degraded" while the Redis tier is unreachable or slow (requests are served all the same). */
  cacheState(): "ok" | "degraded";
  /**
   * `trestle.reload()`: the new schema's upstreams. An unchanged one (sameUpstream) keeps its client
   * (pool, breaker) and cache entries; a changed one gets a new client and its entries purged; a
   * removed one's entries are purged. A call made with an older plan still reaches the client made
   * for it. Returns the closing of the replaced and removed clients, for once the old schema is idle.
   */
  update(upstreams: Iterable<UpstreamPlan>): () => Promise<void>;
  close(): Promise<void>;
}

export function createUpstreamPipeline(
  upstreams: Iterable<UpstreamPlan>,
  clientOptions: UpstreamClientOptions = {},
  cacheOptions: NormalizedCacheOptions = normalizeCacheOptions(undefined),
  metrics?: MetricsRecorder,
): UpstreamPipeline {
  const clients = new Map<string, UpstreamClient>();
  // Every plan (of every schema since a reload) to its client: an in-flight call of an old schema keeps its client.
  const byPlan = new WeakMap<UpstreamPlan, UpstreamClient>();
  const add = (upstream: UpstreamPlan) => {
    const made = new UpstreamClient(upstream, clientOptions);
    clients.set(upstream.name, made);
    byPlan.set(upstream, made);
  };
  for (const upstream of upstreams) add(upstream);
  const client = (name: string) => {
    const found = clients.get(name);
    if (found === undefined) throw new Error(`No upstream client named "${name}"`);
    return found;
  };
  const clientFor = (request: UpstreamRequest) => byPlan.get(request.upstream) ?? client(request.upstream.name);
  const update = (next: Iterable<UpstreamPlan>) => {
    const retired: UpstreamClient[] = [];
    const kept = new Set<string>();
    for (const upstream of next) {
      kept.add(upstream.name);
      const current = clients.get(upstream.name);
      if (current !== undefined && sameUpstream(current.upstream, upstream)) byPlan.set(upstream, current);
      else {
        if (current !== undefined) retired.push(current);
        add(upstream);
      }
    }
    for (const [name, current] of clients) {
      if (kept.has(name)) continue;
      retired.push(current);
      clients.delete(name);
    }
    for (const gone of retired) cached.cache.purge(gone.upstream.name);
    cached.setUpstreams([...clients.values()].map((c) => c.upstream));
    return async () => void (await Promise.all(retired.map((c) => c.close())));
  };
  const direct = (request: UpstreamRequest, signal?: ClientSignal, overflow?: boolean) =>
    observed(request, clientFor(request).send(request, signal, overflow));
  const second = createSecondTier(cacheOptions, metrics);
  const cached = createCachedSend(
    direct,
    [...clients.values()].map((c) => c.upstream),
    cacheOptions,
    second.tier,
    second.bus,
  );
  const streamDirect: UpstreamPipeline["stream"] = (request, body, options) =>
    observed(request, clientFor(request).stream(request, body, options));
  const cachedSend: CachedSend["send"] =
    metrics === undefined
      ? cached.send
      : (request, status = {}, signal, overflow) => {
          const read = () => {
            if (status.status !== undefined && status.status !== "bypass") metrics.cacheRead(request.upstream.name, status.status);
          };
          return cached.send(request, status, signal, overflow).then(
            (response) => (read(), response),
            (error: unknown) => {
              read();
              throw error;
            },
          );
        };
  /** Reports one upstream call to the metrics: its status, or its error code. */
  function observed<T extends { status: number }>(request: UpstreamRequest, call: Promise<T>): Promise<T> {
    if (metrics === undefined) return call;
    return observeCall(metrics, request, call);
  }
  // Without the cache, reads marked `dedupe` still share a call in flight (nothing stored); what they depend on is noted for operation flights.
  const send: UpstreamPipeline["send"] = noteDedupeReads(cacheOptions.enabled ? cachedSend : createDedupeSend(direct));
  const stream = cacheOptions.enabled ? createCachedStream({ ...cached, send: cachedSend }, streamDirect) : streamDirect;
  const openStream: UpstreamPipeline["openStream"] = (request, signal) => observed(request, clientFor(request).openStream(request, signal));
  // With an OpenTelemetry SDK registered, each call is a CLIENT span around the cache (src/tracing/); else as it is.
  return {
    send: (request, status, signal) =>
      liveTracer() === undefined ? send(request, status, signal) : traceUpstreamCall(request, status, (s) => send(request, s, signal)),
    stream: (request, body, options) =>
      liveTracer() === undefined
        ? stream(request, body, options)
        : traceUpstreamCall(request, undefined, () => stream(request, body, options)),
    openStream: (request, signal) =>
      liveTracer() === undefined ? openStream(request, signal) : traceUpstreamCall(request, undefined, () => openStream(request, signal)),
    client,
    breakers: () => [...clients.values()].map((c): [string, boolean] => [c.upstream.name, c.breakerOpen]),
    states: () => Object.fromEntries([...clients.values()].map((c) => [c.upstream.name, c.state])),
    cache: cached.cache,
    onPurge: cached.onPurge,
    cacheState: () => second.tier?.state ?? "ok",
    update,
    close: async () => {
      await cached.settled();
      await Promise.all([...clients.values()].map((c) => c.close()));
      await second.bus?.close();
    },
  };
}
