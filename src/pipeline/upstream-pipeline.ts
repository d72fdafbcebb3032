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
import { createDedupeSend } from "../cache/create-dedupe-send.js";

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
  close(): Promise<void>;
}

export function createUpstreamPipeline(
  upstreams: Iterable<UpstreamPlan>,
  clientOptions: UpstreamClientOptions = {},
  cacheOptions: NormalizedCacheOptions = normalizeCacheOptions(undefined),
  metrics?: MetricsRecorder,
): UpstreamPipeline {
  const clients = new Map<string, UpstreamClient>();
  for (const upstream of upstreams) clients.set(upstream.name, new UpstreamClient(upstream, clientOptions));
  const client = (name: string) => {
    const found = clients.get(name);
    if (found === undefined) throw new Error(`No upstream client named "${name}"`);
    return found;
  };
  const direct = (request: UpstreamRequest, signal?: ClientSignal, overflow?: boolean) =>
    observed(request, client(request.upstream.name).send(request, signal, overflow));
  const second = createSecondTier(cacheOptions, metrics);
  const cached = createCachedSend(
    direct,
    [...clients.values()].map((c) => c.upstream),
    cacheOptions,
    second.tier,
    second.bus,
  );
  const streamDirect: UpstreamPipeline["stream"] = (request, body, options) =>
    observed(request, client(request.upstream.name).stream(request, body, options));
  const cachedSend: CachedSend["send"] =
    metrics === undefined
      ? cached.send
      : async (request, status = {}, signal, overflow) => {
          try {
            return await cached.send(request, status, signal, overflow);
          } finally {
            if (status.status !== undefined && status.status !== "bypass") metrics.cacheRead(request.upstream.name, status.status);
          }
        };
  /** Reports one upstream call to the metrics: its status, or its error code. */
  async function observed<T extends { status: number }>(request: UpstreamRequest, call: Promise<T>): Promise<T> {
    if (metrics === undefined) return call;
    const started = performance.now();
    let outcome = "ERROR";
    try {
      const answer = await call;
      outcome = String(answer.status);
      return answer;
    } catch (error) {
      outcome = (error as { code?: string }).code ?? "ERROR";
      throw error;
    } finally {
      metrics.upstreamCall(request.upstream.name, request.method, outcome, (performance.now() - started) / 1000);
    }
  }
  return {
    // Without the cache, reads marked `dedupe` still share a call in flight (nothing stored).
    send: cacheOptions.enabled
      ? cachedSend
      : createDedupeSend(
          direct,
          [...clients.values()].map((c) => c.upstream),
        ),
    stream: cacheOptions.enabled ? createCachedStream({ ...cached, send: cachedSend }, streamDirect) : streamDirect,
    openStream: (request, signal) => observed(request, client(request.upstream.name).openStream(request, signal)),
    client,
    breakers: () => [...clients.values()].map((c): [string, boolean] => [c.upstream.name, c.breakerOpen]),
    states: () => Object.fromEntries([...clients.values()].map((c) => [c.upstream.name, c.state])),
    cache: cached.cache,
    onPurge: cached.onPurge,
    cacheState: () => second.tier?.state ?? "ok",
    close: async () => {
      await cached.settled();
      await Promise.all([...clients.values()].map((c) => c.close()));
      await second.bus?.close();
    },
  };
}
