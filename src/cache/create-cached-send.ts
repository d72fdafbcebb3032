import type { UpstreamRequest } from "../upstream/upstream-request.js";
import { clientClosedRequest } from "../errors.js";
import type { UpstreamPlan } from "../plan/schema-plan.js";
import type { UpstreamResponse } from "../upstream/upstream-client.js";
import { readPathname } from "./build-cache-entry.js";
import { buildCacheKey, type CacheKey } from "./build-cache-key.js";
import type { CachePolicy } from "../plan/cache-policy.js";
import { buildCachePolicy } from "./build-cache-policy.js";
import type { NormalizedCacheOptions } from "./cache-options.js";
import type { CacheStatus } from "./cache-status.js";
import { createFlights } from "./create-flights.js";
import { flightKeyOf, isSameVariant, mayDedupe } from "./create-dedupe-send.js";
import { createReadExchange, type Origin } from "./create-read-exchange.js";
import { describeEntry } from "./describe-entry.js";
import type { PurgeBus, PurgeMessage } from "./purge-bus.js";
import { toPathMatcher } from "./purge-bus.js";
import type { RedisTier } from "./redis-tier.js";
import { createTierReads } from "./create-tier-reads.js";
import type { Found, Outcome } from "./read-outcome.js";
import { ResponseCache, type CacheEntry } from "./response-cache.js";
import { createTrestleCache, type TrestleCache } from "./trestle-cache.js";
import type { ClientSignal } from "../upstream/client-signal.js";

export type { TrestleCache } from "./trestle-cache.js";

/** The cache step of the pipeline: `send` consults and fills the store around the upstream call. */
export interface CachedSend {
  /**
   * With `overflow` (the passthrough route's reads), an answer too large to keep or of a
   * streaming media type comes back still streaming (`response.streamed`), not stored, and
   * given to no coalesced caller (each of those sends its own).
   */
  send(request: UpstreamRequest, status?: CacheStatus, signal?: ClientSignal, overflow?: boolean): Promise<UpstreamResponse>;
  cache: TrestleCache;
  /**
   * Purges what a successful write to `request`'s path makes stale (for writes sent around
   * `send`), here at once and in the second tier and the other processes by the time it resolves.
   */
  purgeAfterWrite(request: UpstreamRequest): Promise<void>;
  /** Resolves when the background refreshes started so far are over. */
  settled(): Promise<void>;
  /** Reload: the upstreams (and their default cache policies, and `cache.purge`'s names) from now on. */
  setUpstreams(upstreams: Iterable<UpstreamPlan>): void;
  /** Calls `listener` with every purge that reaches this process (writes, `cache.purge`, other replicas) once its entries are gone; returns the unsubscribe. */
  onPurge(listener: (message: PurgeMessage) => void): () => void;
}

const writeMethods = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * The shared cache around `origin` (the upstream clients). A GET/HEAD is answered, in order:
 * from a fresh entry (`hit`: a key build, one or two LRU gets, a time compare); from a stale
 * entry inside its stale-while-revalidate window (`stale`, plus one background refresh per
 * entry); by revalidating a stale entry (`If-None-Match` / `If-Modified-Since`; a 304 →
 * `revalidated`; an error inside stale-if-error → `stale`); or by calling the upstream
 * (`miss`), coalesced with reads in flight under the same key (`coalesced`), identity
 * included (C17): never across identities unless the schema says `@cache(scope: PUBLIC)`, and
 * never when the answer's `Vary` headers differ between the two requests (S03). A coalesced
 * caller sends its own request when the answer was not storable — unless the read says
 * `dedupe` (create-dedupe-send.ts), and then only for GraphQL reads, not `overflow` ones.
 * A successful POST/PUT/PATCH/DELETE purges its path and its parent collection.
 *
 * `signal` is the caller's client going away (F15). A call only that caller waits for is
 * aborted with it; a coalesced exchange is aborted once every caller waiting for it has gone
 * (C10: one caller leaving never fails the others), and a background refresh belongs to no
 * caller. An abandoned exchange stores nothing.
 */
export function createCachedSend(
  origin: Origin,
  upstreams: Iterable<UpstreamPlan>,
  options: NormalizedCacheOptions,
  tier?: RedisTier,
  bus: PurgeBus | undefined = tier,
): CachedSend {
  const store = new ResponseCache(
    options,
    tier && {
      stored: (key, entry, headers) => tier.set(key, entry, headers, options.now()),
      deleted: (key) => tier.delete(key),
    },
  );
  const { now } = options;
  const plans = new Map<string, UpstreamPlan>();
  const policies = new Map<string, CachePolicy>();
  const setUpstreams = (list: Iterable<UpstreamPlan>) => {
    plans.clear();
    policies.clear();
    for (const upstream of list) {
      plans.set(upstream.name, upstream);
      policies.set(upstream.name, buildCachePolicy(upstream, upstream.headers, undefined));
    }
  };
  setUpstreams(upstreams);
  const flights = createFlights();
  const exchange = createReadExchange(origin, store, options, flights);
  const refreshing = new Set<string>();
  const background = new Set<Promise<void>>();
  let joined = 0;
  const purgeListeners = new Set<(message: PurgeMessage) => void>();
  // Purges made by the other processes reach this first tier (and the reads in flight here).
  bus?.subscribe((message) => purgeHere(message));
  const tierReads = tier && options.redis && createTierReads(tier, store, now, options.redis.lockWaitMs, options.redis.lockPollMs);

  async function send(
    request: UpstreamRequest,
    status: CacheStatus = {},
    signal?: ClientSignal,
    overflow = false,
  ): Promise<UpstreamResponse> {
    const { method } = request;
    if (method !== "GET" && method !== "HEAD") {
      status.status = "bypass";
      const response = await origin(request, signal);
      if (writeMethods.has(method) && response.status >= 200 && response.status < 300) await purgeAfterWrite(request);
      return response;
    }
    const policy =
      request.cache ?? policies.get(request.upstream.name) ?? buildCachePolicy(request.upstream, request.upstream.headers, undefined);
    const key = buildCacheKey(request, policy);
    const at = now();
    let found = lookup(key, policy, request.headers, at);
    if (tierReads !== undefined && (found === undefined || at >= found.entry.freshUntil)) {
      // The second tier, when this one has nothing fresh: another replica may have stored it.
      if (await tierReads.fill(key, request.headers, found === undefined)) found = lookup(key, policy, request.headers, at);
    }
    if (found !== undefined) {
      const { entry } = found;
      if (at < entry.freshUntil) return serve(status, "hit", entry, at, request, policy);
      if (at < entry.freshUntil + entry.staleWhileRevalidate) {
        refreshInBackground(request, policy, key, found);
        return serve(status, "stale", entry, at, request, policy);
      }
    }
    return exchangeCoalesced(request, policy, key, found, status, signal, overflow);
  }

  /**
   * The caller's own (identity) entry first, then the shared one if this caller may use it:
   * under `@cache(scope: PUBLIC)` any, else only an answer made without credentials, and only
   * for a caller without them (C19).
   */
  function lookup(key: CacheKey, policy: CachePolicy, headers: Readonly<Record<string, string>>, at: number): Found | undefined {
    if (key.identity !== undefined) {
      const entry = store.get(key.identity, headers, at);
      if (entry !== undefined) return { entry, key: key.identity };
    }
    const entry = store.get(key.shared, headers, at);
    if (entry === undefined) return undefined;
    if (policy.scope !== "PUBLIC" && (key.identity !== undefined || entry.audience !== "anonymous")) return undefined;
    return { entry, key: key.shared };
  }

  async function exchangeCoalesced(
    request: UpstreamRequest,
    policy: CachePolicy,
    key: CacheKey,
    stale: Found | undefined,
    status: CacheStatus,
    signal: ClientSignal | undefined,
    overflow: boolean,
  ): Promise<UpstreamResponse> {
    if (signal?.aborted) throw clientClosedRequest(request.upstream.name);
    // Equal keys coalesce, identity included (C17); across identities only under PUBLIC, in a flight of its own.
    const flightKey = flightKeyOf(key, policy);
    const pending = flights.pending(flightKey);
    if (pending !== undefined) {
      status.status = "coalesced";
      joined++;
      const outcome = await flights.join(flightKey, pending, signal);
      if (outcome.reusable && isSameVariant(outcome.response, pending.headers, request.headers))
        return report(status, "coalesced", outcome, request, policy);
      // `dedupe`: an answer that was not stored (no-store...) goes to every caller that asked while it was in flight.
      if (policy.dedupe === true && !overflow && mayDedupe(outcome.response, pending.headers, request.headers))
        return report(status, "coalesced", outcome, request, policy);
      return report(status, undefined, await exchange(request, policy, key, stale, undefined, signal, overflow), request, policy);
    }
    const shared = flights.share(flightKey, flights.start(request), request.headers, (flight, gone) => {
      const call = () => exchange(request, policy, key, stale, flight, gone, overflow);
      // Across replicas, only reads with nothing stored to revalidate take the lock (one upstream call for all).
      if (tierReads === undefined || stale !== undefined) return call();
      return tierReads.exchangeOnce(
        flightKey,
        key,
        request.headers,
        call,
        () => {
          const found = lookup(key, policy, request.headers, now());
          return found !== undefined && now() < found.entry.freshUntil ? found.entry : undefined;
        },
        () => joined++,
      );
    });
    try {
      return report(status, undefined, await flights.join(flightKey, shared, signal), request, policy);
    } finally {
      flights.unshare(flightKey, shared);
    }
  }

  function refreshInBackground(request: UpstreamRequest, policy: CachePolicy, key: CacheKey, stale: Found): void {
    if (refreshing.has(stale.key)) return;
    refreshing.add(stale.key);
    const task = exchange(request, policy, key, stale).then(
      () => undefined,
      () => undefined,
    );
    background.add(task);
    void task.finally(() => {
      refreshing.delete(stale.key);
      background.delete(task);
    });
  }

  /** Purges entries and stops reads in flight on those paths from storing (or being joined), in this process. */
  function purgeHere(message: PurgeMessage): number {
    flights.purge(message.upstream, toPathMatcher(message));
    const purged = store.purge(message);
    for (const listener of purgeListeners) listener(message);
    return purged;
  }

  /** Purges here, then in the second tier and the other processes (not awaited: `trestle.cache.purge` answers at once). */
  function purgeWhere(message: PurgeMessage): number {
    const purged = purgeHere(message);
    void bus?.publish(message);
    return purged;
  }

  /** A successful write to `/a/b` purges `/a/b` and `/a` (any query, any identity, GET and HEAD), everywhere before it resolves. */
  async function purgeAfterWrite(request: UpstreamRequest): Promise<void> {
    const pathname = readPathname(request.path);
    const trimmed = pathname.length > 1 ? pathname.replace(/\/+$/, "") : pathname;
    const parent = trimmed.slice(0, trimmed.lastIndexOf("/")) || "/";
    const message: PurgeMessage = { upstream: request.upstream.name, paths: [...new Set([pathname, trimmed, parent])] };
    purgeHere(message);
    await bus?.publish(message);
  }

  function serve(
    status: CacheStatus,
    kind: "hit" | "stale",
    entry: CacheEntry,
    at: number,
    request: UpstreamRequest,
    policy: CachePolicy,
  ): UpstreamResponse {
    status.status = kind;
    describeEntry(status, entry, at, request, policy);
    return entry.response;
  }

  function report(
    status: CacheStatus,
    kind: "coalesced" | undefined,
    outcome: Outcome,
    request: UpstreamRequest,
    policy: CachePolicy,
  ): UpstreamResponse {
    status.status = kind ?? outcome.status;
    if (outcome.entry !== undefined) describeEntry(status, outcome.entry, now(), request, policy);
    else if (outcome.notStored !== undefined) status.notStored = outcome.notStored;
    return outcome.response;
  }

  return {
    send,
    purgeAfterWrite,
    setUpstreams,
    settled: async () => {
      while (background.size > 0) await Promise.all(background);
    },
    cache: createTrestleCache(store, plans, purgeWhere, () => joined),
    onPurge(listener) {
      purgeListeners.add(listener);
      return () => void purgeListeners.delete(listener);
    },
  };
}
