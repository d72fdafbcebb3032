import type { UpstreamCallRecord } from "../loader/operation-context.js";

/** The caching headers of one GraphQL response: `Cache-Control`, and `Vary` when the answer depends on client headers. */
export interface CacheHeaders {
  "cache-control": string;
  vary?: string;
}

/** `public, max-age=N` (and `Vary`) from the operation's upstream reads, or null when they allow none. */
export function buildCacheHeaders(calls: readonly UpstreamCallRecord[]): CacheHeaders | null {
  let maxAge = Number.POSITIVE_INFINITY;
  const vary = new Set<string>();
  for (const call of calls) {
    const cache = call.cache;
    if (cache?.maxAge === undefined || cache.scope !== "public" || cache.status === "stale") return null;
    if (cache.maxAge < maxAge) maxAge = cache.maxAge;
    for (const name of cache.vary ?? []) vary.add(name);
  }
  if (maxAge <= 0 || maxAge === Number.POSITIVE_INFINITY) return null;
  const headers: CacheHeaders = { "cache-control": `public, max-age=${maxAge}` };
  if (vary.size > 0) headers.vary = [...vary].sort().join(", ");
  return headers;
}
