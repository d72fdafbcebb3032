import type { UpstreamRequest } from "../upstream/upstream-request.js";
import { TrestleError, clientClosedRequest } from "../errors.js";
import type { UpstreamPlan } from "../plan/schema-plan.js";
import type { UpstreamResponse } from "../upstream/upstream-client.js";
import { buildCacheEntry, readPathname, refreshCacheEntry, type ExchangeTimes } from "./build-cache-entry.js";
import { buildCacheKey, type CacheKey } from "./build-cache-key.js";
import type { CachePolicy } from "../plan/cache-policy.js";
import { buildCachePolicy } from "./build-cache-policy.js";
import type { NormalizedCacheOptions } from "./cache-options.js";
import type { CacheStatus } from "./cache-status.js";
import { parseCacheControl } from "./parse-cache-control.js";
import { readClientVary } from "./read-client-vary.js";
import { ResponseCache, type CacheEntry } from "./response-cache.js";
import { ClientGone, type ClientSignal } from "../upstream/client-signal.js";

/** `trestle.cache`: the instance's shared response cache, as the library API shows it. */
export interface TrestleCache {
  /**
   * Deletes the stored answers of one upstream, for every identity: all of them, or those
   * whose path (relative to the upstream's base URL, query ignored) is `pathPrefix` or lies
   * below it segment-wise (`"/models"` takes `/models`, `/models?limit=5`, `/models/a`, not
   * `/modelsets`). Returns how many answers were deleted.
   * @example trestle.cache.purge("ml", "/models/fraud-xgb")
   */
  purge(upstream: string, pathPrefix?: string): number;
  /** Answers held. */
  readonly size: number;
  /** Bytes held, as counted against `maxSize`. */
  readonly calculatedSize: number;
  readonly maxSize: number;
}

/** The cache step of the pipeline: `send` consults and fills the store around the upstream call. */
export interface CachedSend {
  /**
   * With `overflow` (the passthrough route's reads), an answer too large to keep or of a
   * streaming media type comes back still streaming (`response.streamed`), not stored, and
   * given to no coalesced caller (each of those sends its own).
   */
  send(request: UpstreamRequest, status?: CacheStatus, signal?: ClientSignal, overflow?: boolean): Promise<UpstreamResponse>;
  cache: TrestleCache;
  /** Purges what a successful write to `request`'s path makes stale (for writes sent around `send`). */
  purgeAfterWrite(request: UpstreamRequest): void;
  /** Resolves when the background refreshes started so far are over. */
  settled(): Promise<void>;
}

/** A stored entry found for a request, and the key it was found at. */
interface Found {
  entry: CacheEntry;
  key: string;
}

/** What one upstream exchange gave: the answer to serve and, when stored, its entry. */
interface Outcome {
  response: UpstreamResponse;
  entry: CacheEntry | undefined;
  status: "miss" | "revalidated" | "stale";
  notStored?: string;
  /** Whether callers that coalesced onto this exchange may be given the same answer. */
  reusable: boolean;
}

/** One exchange in progress; a purge of its path marks it so its answer is not stored. */
interface Flight {
  upstream: string;
  pathname: string;
  purged: boolean;
  outcome?: Promise<Outcome>;
}

/** A coalesced exchange: abandoned when every caller waiting for it has gone. */
interface SharedFlight extends Flight {
  outcome: Promise<Outcome>;
  /** The headers its request was sent with: a waiter gets the answer only if the answer's `Vary` headers match its own (S03). */
  headers: Readonly<Record<string, string>>;
  /** Callers still waiting whose client may go away (they came with a signal). */
  waiting: number;
  /** A caller without a signal (nothing can tell it has gone) waits: never abandoned. */
  pinned: boolean;
  /** Aborts the upstream call once nobody waits for it. */
  gone: ClientGone;
}

const writeMethods = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const unshareable = new Set(["no-store", "private", "Set-Cookie", "Vary: *"]);

/**
 * The shared cache around `origin` (the upstream clients). A GET/HEAD is answered, in order:
 * from a fresh entry (`hit`: a key build, one or two LRU gets, a time compare); from a stale
 * entry inside its stale-while-revalidate window (`stale`, plus one background refresh per
 * entry); by revalidating a stale entry (`If-None-Match` / `If-Modified-Since`; a 304 →
 * `revalidated`; an error inside stale-if-error → `stale`); or by calling the upstream
 * (`miss`), coalesced with reads in flight under the same key (`coalesced`), identity
 * included (C17): never across identities unless the schema says `@cache(scope: PUBLIC)`, and
 * never when the answer's `Vary` headers differ between the two requests (S03).
 * A successful POST/PUT/PATCH/DELETE purges its path and its parent collection.
 *
 * `signal` is the caller's client going away (F15). A call only that caller waits for is
 * aborted with it; a coalesced exchange is aborted once every caller waiting for it has gone
 * (C10: one caller leaving never fails the others), and a background refresh belongs to no
 * caller. An abandoned exchange stores nothing.
 */
export function createCachedSend(
  origin: (request: UpstreamRequest, signal?: ClientSignal, overflow?: boolean) => Promise<UpstreamResponse>,
  upstreams: Iterable<UpstreamPlan>,
  options: NormalizedCacheOptions,
): CachedSend {
  const store = new ResponseCache(options);
  const { now, staleIfErrorSeconds } = options;
  const plans = new Map<string, UpstreamPlan>();
  const policies = new Map<string, CachePolicy>();
  for (const upstream of upstreams) {
    plans.set(upstream.name, upstream);
    policies.set(upstream.name, buildCachePolicy(upstream, upstream.headers, undefined));
  }
  const inflight = new Map<string, SharedFlight>();
  const flights = new Set<Flight>();
  const refreshing = new Set<string>();
  const background = new Set<Promise<void>>();

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
      if (writeMethods.has(method) && response.status >= 200 && response.status < 300) purgeAfterWrite(request);
      return response;
    }
    const policy =
      request.cache ?? policies.get(request.upstream.name) ?? buildCachePolicy(request.upstream, request.upstream.headers, undefined);
    const key = buildCacheKey(request, policy);
    const at = now();
    const found = lookup(key, policy, request.headers, at);
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
    const flightKey = policy.scope === "PUBLIC" ? `P${key.shared}` : (key.identity ?? key.shared);
    const pending = inflight.get(flightKey);
    if (pending !== undefined) {
      status.status = "coalesced";
      const outcome = await join(flightKey, pending, signal);
      if (outcome.reusable && isSameVariant(outcome.response, pending.headers, request.headers))
        return report(status, "coalesced", outcome, request, policy);
      return report(status, undefined, await exchange(request, policy, key, stale, undefined, signal, overflow), request, policy);
    }
    const flight = startFlight(request);
    const gone = new ClientGone();
    const shared: SharedFlight = Object.assign(flight, {
      outcome: exchange(request, policy, key, stale, flight, gone, overflow),
      headers: request.headers,
      waiting: 0,
      pinned: false,
      gone,
    });
    inflight.set(flightKey, shared);
    try {
      return report(status, undefined, await join(flightKey, shared, signal), request, policy);
    } finally {
      if (inflight.get(flightKey) === shared) inflight.delete(flightKey);
    }
  }

  /** Waits for a coalesced exchange; the last waiting caller to go away abandons it. */
  async function join(flightKey: string, flight: SharedFlight, signal: ClientSignal | undefined): Promise<Outcome> {
    if (signal === undefined) {
      flight.pinned = true;
      return flight.outcome;
    }
    flight.waiting++;
    const leave = () => {
      if (--flight.waiting > 0 || flight.pinned) return;
      // Nobody is left to take the answer: abort the call, and let no new caller join it.
      if (inflight.get(flightKey) === flight) inflight.delete(flightKey);
      flight.gone.abort();
    };
    signal.addEventListener("abort", leave, { once: true });
    try {
      return await flight.outcome;
    } finally {
      signal.removeEventListener("abort", leave);
    }
  }

  /** One upstream call for a read: conditional when a stale entry has validators. */
  async function exchange(
    request: UpstreamRequest,
    policy: CachePolicy,
    key: CacheKey,
    stale: Found | undefined,
    flight = startFlight(request),
    signal?: ClientSignal,
    overflow = false,
  ): Promise<Outcome> {
    let kept = false;
    try {
      const requestTime = now();
      let response: UpstreamResponse;
      try {
        response = await origin(stale === undefined ? request : withValidators(request, stale.entry), signal, overflow);
      } catch (error) {
        const abandoned = error instanceof TrestleError && error.code === "CLIENT_CLOSED_REQUEST";
        if (!abandoned && stale !== undefined && now() < stale.entry.freshUntil + stale.entry.staleIfError) return servedStale(stale);
        throw error;
      }
      const times: ExchangeTimes = { requestTime, responseTime: now(), staleIfErrorSeconds };
      if (stale !== undefined) {
        if (response.status === 304 && (stale.entry.etag !== undefined || stale.entry.lastModified !== undefined)) {
          const entry = flight.purged ? undefined : refreshCacheEntry(stale.entry, response, policy, times);
          if (entry === undefined) store.delete(stale.key, request.headers);
          else store.set(stale.key, entry, entry.vary, request.headers);
          return { response: stale.entry.response, entry, status: "revalidated", reusable: true };
        }
        if (response.status >= 500 && times.responseTime < stale.entry.freshUntil + stale.entry.staleIfError) {
          response.streamed?.body.destroy();
          return servedStale(stale);
        }
      }
      if (response.streamed !== undefined) {
        // Still streaming: its one body goes to one caller, and it is stored once it has ended whole, if it may be.
        const { streamed } = response;
        const plan = streamed.keep === undefined ? streamed.reason : buildCacheEntry(request, response, key, policy, times);
        if (typeof plan !== "string") {
          kept = true;
          streamed.keep!(options.maxEntrySize, (whole) => {
            if (whole !== undefined) keepAnswer(request, whole, key, policy, times, stale, flight);
            flights.delete(flight);
          });
          // Cache-Status says `stored` as for a buffered answer: it is, once it has ended whole (within maxEntrySize).
          return { response, entry: plan.entry, status: "miss", reusable: false };
        }
        if (stale !== undefined && response.status < 500) store.delete(stale.key, request.headers);
        return { response, entry: undefined, status: "miss", notStored: plan, reusable: false };
      }
      return keepAnswer(request, response, key, policy, times, stale, flight);
    } finally {
      if (!kept) flights.delete(flight);
    }
  }

  /** Stores a read's answer when it may be, replacing the stale entry it follows. */
  function keepAnswer(
    request: UpstreamRequest,
    response: UpstreamResponse,
    key: CacheKey,
    policy: CachePolicy,
    times: ExchangeTimes,
    stale: Found | undefined,
    flight: Flight,
  ): Outcome {
    const plan = buildCacheEntry(request, response, key, policy, times);
    if (typeof plan === "string") {
      // The stored answer no longer holds (404, no-store...); on a 5xx it stays for stale-if-error.
      if (stale !== undefined && response.status < 500) store.delete(stale.key, request.headers);
      return { response, entry: undefined, status: "miss", notStored: plan, reusable: isShareable(response, plan) };
    }
    if (flight.purged)
      return { response: plan.entry.response, entry: undefined, status: "miss", notStored: "purged while in flight", reusable: true };
    if (stale !== undefined && stale.key !== plan.key) store.delete(stale.key, request.headers);
    const stored = store.set(plan.key, plan.entry, plan.vary, request.headers);
    if (!stored)
      return { response: plan.entry.response, entry: undefined, status: "miss", notStored: "larger than maxEntrySize", reusable: true };
    return { response: plan.entry.response, entry: plan.entry, status: "miss", reusable: true };
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

  function startFlight(request: UpstreamRequest): Flight {
    const flight: Flight = { upstream: request.upstream.name, pathname: readPathname(request.path), purged: false };
    flights.add(flight);
    return flight;
  }

  /** Purges entries and stops reads in flight on those paths from storing (or being joined). */
  function purgeWhere(upstream: string, matches: (pathname: string) => boolean): number {
    for (const flight of flights) if (flight.upstream === upstream && matches(flight.pathname)) flight.purged = true;
    for (const [flightKey, flight] of inflight) if (flight.purged) inflight.delete(flightKey);
    return store.purge(upstream, matches);
  }

  /** A successful write to `/a/b` purges `/a/b` and `/a` (any query, any identity, GET and HEAD). */
  function purgeAfterWrite(request: UpstreamRequest): void {
    const pathname = readPathname(request.path);
    const trimmed = pathname.length > 1 ? pathname.replace(/\/+$/, "") : pathname;
    const parent = trimmed.slice(0, trimmed.lastIndexOf("/")) || "/";
    purgeWhere(request.upstream.name, (path) => path === pathname || path === trimmed || path === parent);
  }

  return {
    send,
    purgeAfterWrite,
    settled: async () => {
      while (background.size > 0) await Promise.all(background);
    },
    cache: {
      purge(upstream, pathPrefix) {
        const plan = plans.get(upstream);
        if (plan === undefined) {
          throw new TypeError(`cache.purge: no upstream named ${JSON.stringify(upstream)} (upstreams: ${[...plans.keys()].join(", ")})`);
        }
        if (pathPrefix === undefined) return purgeWhere(upstream, () => true);
        if (typeof pathPrefix !== "string" || !pathPrefix.startsWith("/") || pathPrefix.includes("?")) {
          throw new TypeError(
            `cache.purge: pathPrefix must be a path starting with "/" and without a query, like "/models", received ${JSON.stringify(pathPrefix)}`,
          );
        }
        const prefix = plan.basePath + pathPrefix.replace(/\/+$/, "");
        return purgeWhere(upstream, (path) => prefix === "" || path === prefix || path.startsWith(`${prefix}/`));
      },
      get size() {
        return store.size;
      },
      get calculatedSize() {
        return store.calculatedSize;
      },
      maxSize: store.maxSize,
    },
  };

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
}

function describeEntry(status: CacheStatus, entry: CacheEntry, at: number, request: UpstreamRequest, policy: CachePolicy): void {
  status.maxAge = Math.max(0, Math.floor((entry.freshUntil - at) / 1000));
  status.age = Math.max(0, Math.floor((at - entry.bornAt) / 1000));
  const vary = entry.scope === "public" && !policy.personal ? readClientVary(entry, request, policy) : null;
  status.scope = vary === null ? "private" : "public";
  if (vary !== null && vary.length > 0) status.vary = vary;
}

/** Whether the answer to a request sent with `sent` headers suits `asked` too: equal values for every header its `Vary` names. */
function isSameVariant(
  response: UpstreamResponse,
  sent: Readonly<Record<string, string>>,
  asked: Readonly<Record<string, string>>,
): boolean {
  const vary = response.headers["vary"];
  if (vary === undefined) return true;
  return vary.split(",").every((name) => {
    const header = name.trim().toLowerCase();
    return header === "" || sent[header] === asked[header];
  });
}

/**
 * Whether an answer that was not stored may still go to the callers that coalesced onto its
 * request (same key: same identity, same headers): yes, unless it is marked for one caller
 * only (`no-store`, `private`, `Set-Cookie`, `Vary: *`). An answer without freshness was
 * made after they asked, so it is as fresh for them as for the caller who sent it.
 */
function isShareable(response: UpstreamResponse, notStored: string): boolean {
  if (unshareable.has(notStored) || response.headers["set-cookie"] !== undefined) return false;
  const control = parseCacheControl(response.headers["cache-control"]);
  return !control.noStore && !control.private && !response.headers["vary"]?.includes("*");
}

function servedStale(stale: Found): Outcome {
  return { response: stale.entry.response, entry: stale.entry, status: "stale", reusable: true };
}

/** The request made conditional on the stored validators (RFC 9110 §13.1.1, §13.1.3). */
function withValidators(request: UpstreamRequest, entry: CacheEntry): UpstreamRequest {
  if (entry.etag === undefined && entry.lastModified === undefined) return request;
  const headers = { ...request.headers };
  if (entry.etag !== undefined) headers["if-none-match"] = entry.etag;
  if (entry.lastModified !== undefined) headers["if-modified-since"] = entry.lastModified;
  return { ...request, headers };
}
