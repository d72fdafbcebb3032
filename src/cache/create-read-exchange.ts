import type { UpstreamRequest } from "../upstream/upstream-request.js";
import { TrestleError } from "../errors.js";
import type { UpstreamResponse } from "../upstream/upstream-client.js";
import type { ClientSignal } from "../upstream/client-signal.js";
import type { CachePolicy } from "../plan/cache-policy.js";
import { buildCacheEntry, refreshCacheEntry, type ExchangeTimes } from "./build-cache-entry.js";
import type { CacheKey } from "./build-cache-key.js";
import type { NormalizedCacheOptions } from "./cache-options.js";
import type { Flight, Flights } from "./create-flights.js";
import { parseCacheControl } from "./parse-cache-control.js";
import type { Found, Outcome } from "./read-outcome.js";
import type { ResponseCache, CacheEntry } from "./response-cache.js";

export type Origin = (request: UpstreamRequest, signal?: ClientSignal, overflow?: boolean) => Promise<UpstreamResponse>;

/** One upstream call for a read, and what it leaves in the store. */
export type ReadExchange = (
  request: UpstreamRequest,
  policy: CachePolicy,
  key: CacheKey,
  stale: Found | undefined,
  flight?: Flight,
  signal?: ClientSignal,
  overflow?: boolean,
) => Promise<Outcome>;

const unshareable = new Set(["no-store", "private", "Set-Cookie", "Vary: *"]);

/**
 * A read that the store could not answer goes upstream here: conditional when a stale entry
 * has validators (a 304 refreshes it: `revalidated`), the stale entry served instead of an
 * error or a 5xx inside its stale-if-error (`stale`), and the answer stored when it may be
 * (`miss`), unless a purge of its path came while it was in flight. An answer still streaming
 * (the passthrough's `overflow` reads) is stored once it has ended whole, within maxEntrySize.
 */
export function createReadExchange(origin: Origin, store: ResponseCache, options: NormalizedCacheOptions, flights: Flights): ReadExchange {
  const { now, staleIfErrorSeconds } = options;

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

  return async (request, policy, key, stale, flight = flights.start(request), signal, overflow = false) => {
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
            flights.end(flight);
          });
          // Cache-Status says `stored` as for a buffered answer: it is, once it has ended whole (within maxEntrySize).
          return { response, entry: plan.entry, status: "miss", reusable: false };
        }
        if (stale !== undefined && response.status < 500) store.delete(stale.key, request.headers);
        return { response, entry: undefined, status: "miss", notStored: plan, reusable: false };
      }
      return keepAnswer(request, response, key, policy, times, stale, flight);
    } finally {
      if (!kept) flights.end(flight);
    }
  };
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
