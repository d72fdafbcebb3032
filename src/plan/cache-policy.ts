import type { CacheScope } from "./schema-plan.js";

/**
 * How the cache treats the requests of one `@rest` field (or, when a request carries none,
 * of its upstream): derived once from the SDL, read on every request.
 */
export interface CachePolicy {
  /** `@cache(maxAge:)` of the field, else of `@upstream(cache:)`: replaces the upstream's freshness (its `no-store` and `no-cache` too). */
  maxAge: number | undefined;
  /** `@cache(staleWhileRevalidate:)`, field else upstream, in seconds. */
  staleWhileRevalidate: number | undefined;
  /** `@cache(scope:)`, field else upstream. */
  scope: CacheScope | undefined;
  /**
   * Lower-case names of the headers that identify the caller: their values, hashed, key the
   * answers that may not be shared.
   */
  identityHeaders: ReadonlySet<string>;
  /** Headers left out of keys: constant ones (literal or `{env.X}`) and trace headers. */
  constantHeaders: ReadonlySet<string>;
  /**
   * For each header sent, the client request headers its value is read from (`from:`,
   * `{header.X}`), for the GraphQL response's `Vary`; `null` when it reads `{context.X}`
   * (nothing a shared cache in front could vary on). Headers made of literals, `{env.X}`,
   * `{args.X}` or `{parent.X}` are absent: the operation itself decides them.
   */
  clientSources: ReadonlyMap<string, readonly string[] | null>;
  /** The read's path, query or body reads `{header.X}` or `{context.X}`: its answer is per caller (F04). */
  personal: boolean;
  /** `dedupe:` of the field, else of the upstream: callers coalesced onto a read take its answer even when it is not stored. */
  dedupe?: boolean;
}
