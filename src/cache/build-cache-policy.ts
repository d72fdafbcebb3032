import type { CachePlan, CacheScope, HeaderPlan, UpstreamPlan } from "../sdl/schema-plan.js";

/**
 * How the cache treats the requests of one `@rest` field (or, when a request carries none,
 * of its upstream): derived once from the SDL, read on every request.
 */
export interface CachePolicy {
  /** `@cache(maxAge:)` of the field, else of `@upstream(cache:)`: replaces the upstream's freshness. */
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
  /** Headers whose value is the same on every request (literal or `{env.X}`): left out of keys. */
  constantHeaders: ReadonlySet<string>;
}

/** RFC 9110 §11.6.2, RFC 6265, RFC 9110 §11.7.2: always credentials, whatever sets them. */
const credentialHeaders = ["authorization", "cookie", "proxy-authorization"];

/**
 * Builds the policy of a field from its merged header rules (the upstream's, then its own)
 * and its `@cache`. A header forwarded `from:` a client header, or whose value reads
 * `{header.X}` or `{context.X}`, carries the caller's identity; a header made only of
 * literal text and `{env.X}` is constant; any other header (`{args.X}`, or one the policy
 * does not know) is part of the key as is.
 */
export function buildCachePolicy(upstream: UpstreamPlan, headers: readonly HeaderPlan[], cache: CachePlan | undefined): CachePolicy {
  const identityHeaders = new Set(credentialHeaders);
  const constantHeaders = new Set<string>();
  for (const rule of headers) {
    const variables = rule.value?.variables ?? [];
    if (rule.from !== undefined || variables.some((v) => v.root === "header" || v.root === "context")) identityHeaders.add(rule.name);
    else if (rule.value !== undefined && variables.every((v) => v.root === "env") && !identityHeaders.has(rule.name)) constantHeaders.add(rule.name);
  }
  for (const name of identityHeaders) constantHeaders.delete(name);
  const upstreamCache = upstream.cache;
  return {
    maxAge: cache?.maxAge ?? upstreamCache?.maxAge ?? undefined,
    staleWhileRevalidate: cache?.staleWhileRevalidate ?? upstreamCache?.staleWhileRevalidate ?? undefined,
    scope: cache?.scope ?? upstreamCache?.scope ?? undefined,
    identityHeaders,
    constantHeaders,
  };
}
