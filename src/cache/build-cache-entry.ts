import type { UpstreamRequest } from "../upstream/upstream-request.js";
import type { UpstreamResponse } from "../upstream/upstream-client.js";
import type { CacheKey } from "./build-cache-key.js";
import type { CachePolicy } from "../plan/cache-policy.js";
import { computeFreshness, type Freshness } from "./compute-freshness.js";
import { parseCacheControl } from "./parse-cache-control.js";
import { entryOverheadBytes, type CacheEntry } from "./response-cache.js";

/** An answer found storable: the entry, the key it goes to, and the request headers it varies on. */
export interface EntryPlan {
  entry: CacheEntry;
  key: string;
  vary: readonly string[];
}

export interface ExchangeTimes {
  requestTime: number;
  responseTime: number;
  staleIfErrorSeconds: number;
}

/**
 * Statuses stored: the "heuristically cacheable" successes of RFC 9110 §15.1 that carry a
 * whole representation. Never 206 (partial), 3xx (redirects are errors here), 404 (a cached
 * miss would hide a resource created later), 401/403/429/5xx (C05).
 */
const storableStatuses = new Set([200, 203, 204]);

/**
 * Decides whether an answer to a GET/HEAD may be stored, and where (RFC 9111 §3, §3.5, with
 * the schema author's word first): never with `Vary: *`, or without freshness and without a
 * validator; never with `no-store` unless `@cache(maxAge:)` overrides it (C18). An answer to
 * a request with credentials is kept under that identity only, whatever the upstream says
 * (its `public` or `s-maxage` no longer shares it: C19), unless the schema says
 * `@cache(scope: PUBLIC)` — which shares even an upstream `private` answer. Without
 * credentials, a `private` answer is not stored. A `Set-Cookie` answer never goes to a
 * shared key. Returns the entry plan, or why it was not stored.
 */
export function buildCacheEntry(
  request: UpstreamRequest,
  response: UpstreamResponse,
  key: CacheKey,
  policy: CachePolicy,
  times: ExchangeTimes,
): EntryPlan | string {
  if (!storableStatuses.has(response.status)) return `status ${response.status}`;
  const { headers } = response;
  const control = parseCacheControl(headers["cache-control"]);
  if (control.noStore && policy.maxAge === undefined) return "no-store";
  const vary = readVary(headers["vary"]);
  if (vary === "*") return "Vary: *";
  let at: string;
  let audience: CacheEntry["audience"] = "anonymous";
  if (policy.scope === "PUBLIC") {
    at = key.shared;
    if (key.identity !== undefined) audience = "all";
  } else if (key.identity !== undefined) at = key.identity;
  else if (control.private) return "private";
  else at = key.shared;
  const shared = at === key.shared;
  if (shared && headers["set-cookie"] !== undefined) return "Set-Cookie";
  const freshness = computeFreshness({ headers, control, policy, ...times });
  const etag = headers["etag"];
  const lastModified = headers["last-modified"];
  if (freshness.freshUntil <= times.responseTime && etag === undefined && lastModified === undefined)
    return "stale on arrival, no validator";
  let size = entryOverheadBytes + response.body.length + at.length * 2;
  for (const name in headers) size += name.length + headers[name]!.length;
  const entry: CacheEntry = {
    kind: "response",
    response: freezeResponse(response),
    upstream: request.upstream.name,
    pathname: readPathname(request.path),
    ...freshness,
    retainUntil: retainUntil(freshness, etag, lastModified),
    etag,
    lastModified,
    audience,
    scope: shared && (policy.scope === "PUBLIC" || (!control.private && policy.scope !== "PRIVATE")) ? "public" : "private",
    vary,
    size,
  };
  return { entry, key: at, vary };
}

/**
 * A 304 to a conditional request (RFC 9111 §4.3.4): the stored headers updated with the
 * 304's give the new freshness and validators. The response object stays the same one, so
 * its parsed JSON stays shared. Undefined when the 304 now says `no-store`.
 */
export function refreshCacheEntry(
  entry: CacheEntry,
  notModified: UpstreamResponse,
  policy: CachePolicy,
  times: ExchangeTimes,
): CacheEntry | undefined {
  const headers = { ...entry.response.headers, ...notModified.headers };
  const control = parseCacheControl(headers["cache-control"]);
  if (control.noStore && policy.maxAge === undefined) return undefined;
  const freshness = computeFreshness({ headers, control, policy, ...times });
  const etag = headers["etag"];
  const lastModified = headers["last-modified"];
  return { ...entry, ...freshness, etag, lastModified, retainUntil: retainUntil(freshness, etag, lastModified) };
}

/** The request path without its query. */
export function readPathname(path: string): string {
  const query = path.indexOf("?");
  return query === -1 ? path : path.slice(0, query);
}

/** Kept while it may be served stale; with a validator, until evicted (it can always be revalidated). */
function retainUntil(freshness: Freshness, etag: string | undefined, lastModified: string | undefined): number {
  if (etag !== undefined || lastModified !== undefined) return Infinity;
  return freshness.freshUntil + Math.max(freshness.staleWhileRevalidate, freshness.staleIfError);
}

/** Lower-case field names of `Vary` (RFC 9110 §12.5.5), or "*". */
export function readVary(value: string | undefined): readonly string[] | "*" {
  if (value === undefined) return [];
  const names = value
    .split(",")
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== "");
  return names.includes("*") ? "*" : names;
}

function freezeResponse(response: UpstreamResponse): UpstreamResponse {
  Object.freeze(response.headers);
  return Object.freeze(response);
}
