import type { UpstreamRequest } from "../upstream/upstream-request.js";
import type { UpstreamResponse } from "../upstream/upstream-client.js";
import type { ClientSignal } from "../upstream/client-signal.js";
import type { UpstreamPlan } from "../plan/schema-plan.js";
import type { CachePolicy } from "../plan/cache-policy.js";
import { buildCacheKey, type CacheKey } from "./build-cache-key.js";
import { buildCachePolicy } from "./build-cache-policy.js";
import type { CacheStatus } from "./cache-status.js";
import { createFlights } from "./create-flights.js";
import type { Origin } from "./create-read-exchange.js";

/** The pipeline's send when `cache.enabled` is false: only reads marked `dedupe` share a call. */
export type DedupeSend = (request: UpstreamRequest, status?: CacheStatus, signal?: ClientSignal) => Promise<UpstreamResponse>;

/**
 * The flight a read may share: equal keys, identity included (C17); across identities only under
 * `@cache(scope: PUBLIC)`, in a flight of its own — the same rule as the cache's coalescing.
 */
export function flightKeyOf(key: CacheKey, policy: CachePolicy): string {
  return policy.scope === "PUBLIC" ? `P${key.shared}` : (key.identity ?? key.shared);
}

/**
 * Whether a caller that joined a `dedupe` read in flight may take its answer although it was not
 * stored: the same variant (equal values of every header its `Vary` names, S03), and never an
 * answer that sets a cookie or says `Vary: *` — one caller's session is never another's.
 */
export function mayDedupe(
  response: UpstreamResponse,
  sent: Readonly<Record<string, string>>,
  asked: Readonly<Record<string, string>>,
): boolean {
  if (response.streamed !== undefined || response.headers["set-cookie"] !== undefined) return false;
  return isSameVariant(response, sent, asked);
}

/** Whether the answer to a request sent with `sent` headers suits `asked` too: equal values for every header its `Vary` names. */
export function isSameVariant(
  response: UpstreamResponse,
  sent: Readonly<Record<string, string>>,
  asked: Readonly<Record<string, string>>,
): boolean {
  const vary = response.headers["vary"];
  if (vary === undefined) return true;
  return vary.split(",").every((name) => {
    const header = name.trim().toLowerCase();
    return header !== "*" && (header === "" || sent[header] === asked[header]);
  });
}

/**
 * `dedupe` without the cache (`cache: { enabled: false }`): a GET/HEAD read whose field or
 * upstream says `dedupe: true` joins an identical read in flight (same flight key as the
 * cache's coalescing: identity included) and takes its answer; nothing is stored. Every other
 * call goes straight to `origin`. A caller leaving never fails the others (the call is
 * abandoned only once every caller has gone).
 */
export function createDedupeSend(origin: Origin): DedupeSend {
  // Each upstream plan's own policy (a reload brings new plans: they get theirs on first use).
  const policies = new WeakMap<UpstreamPlan, CachePolicy>();
  const policyOf = (upstream: UpstreamPlan) => {
    let policy = policies.get(upstream);
    if (policy === undefined) policies.set(upstream, (policy = buildCachePolicy(upstream, upstream.headers, undefined)));
    return policy;
  };
  const flights = createFlights();
  return async (request, status = {}, signal) => {
    const policy = request.cache ?? policyOf(request.upstream);
    if ((request.method !== "GET" && request.method !== "HEAD") || policy?.dedupe !== true) return origin(request, signal);
    const flightKey = flightKeyOf(buildCacheKey(request, policy), policy);
    const pending = flights.pending(flightKey);
    if (pending !== undefined) {
      const { response } = await flights.join(flightKey, pending, signal);
      if (mayDedupe(response, pending.headers, request.headers)) {
        status.status = "coalesced";
        return response;
      }
      return origin(request, signal);
    }
    const shared = flights.share(flightKey, flights.start(request), request.headers, async (flight, gone) => {
      try {
        return { response: await origin(request, gone), entry: undefined, status: "miss", reusable: true };
      } finally {
        flights.end(flight);
      }
    });
    try {
      return (await flights.join(flightKey, shared, signal)).response;
    } finally {
      flights.unshare(flightKey, shared);
    }
  };
}
