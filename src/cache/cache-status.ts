/**
 * What the cache did for one upstream read; the caller passes an empty object and the cache
 * fills it (as lru-cache's `status`). The operation's call records carry it, the debug
 * extension shows it, and the response's `Cache-Control` is derived from it.
 */
export interface CacheStatus {
  /**
   * - `hit`: a fresh stored answer, no upstream call.
   * - `stale`: a stale stored answer, served under `stale-while-revalidate` (a background
   *   refresh was started) or `stale-if-error` (the upstream failed).
   * - `revalidated`: the upstream answered 304 to a conditional request; the stored answer was refreshed and served.
   * - `miss`: the upstream was called; `maxAge` is set when its answer was stored.
   * - `coalesced`: an identical read already in flight was shared.
   * - `bypass`: not a cacheable read (method other than GET/HEAD).
   */
  status?: "hit" | "stale" | "revalidated" | "miss" | "coalesced" | "bypass";
  /** Seconds the served answer stays fresh; absent when it is not in the cache. */
  maxAge?: number;
  /** Who may reuse it: `public` (any caller) or `private` (this caller's identity only). */
  scope?: "public" | "private";
  /** For a public answer: the client request headers it depends on (lower-case), which a shared cache in front must `Vary` on. */
  vary?: string[];
  /** Age of the served answer, seconds (RFC 9111 §5.1), for an `Age` header. */
  age?: number;
  /** Why the answer was not stored: `no-store`, `private`, `status 500`, ... */
  notStored?: string;
}
