import type { TemplatePart } from "../template/parse-template.js";
import type { CachePolicy } from "../plan/cache-policy.js";
import type { BodyPlan, CachePlan, HeaderPlan, UpstreamPlan, UrlPlan } from "../plan/schema-plan.js";

/** RFC 9110 §11.6.2, RFC 6265, RFC 9110 §11.7.2: always credentials, whatever sets them; `identity: false` is refused on them. */
export const credentialHeaders: ReadonlySet<string> = new Set(["authorization", "cookie", "proxy-authorization"]);
/** W3C Trace Context, W3C Baggage and the de-facto request id: sent when declared, never part of a key (C16). */
export const traceHeaders: ReadonlySet<string> = new Set(["traceparent", "tracestate", "baggage", "x-request-id"]);
/** Content negotiation forwarded from the client: varies the key, identifies no one (C15). */
const negotiationHeaders = new Set(["accept", "accept-language"]);

/** What one read renders besides its headers: variables there may read the caller's headers or context. */
export interface ReadTarget {
  url: UrlPlan;
  body?: BodyPlan | { parts: TemplatePart[] } | undefined;
  /** The field's `@rest(dedupe:)`, when given. */
  dedupe?: boolean | undefined;
}

/**
 * Builds the policy of a field from its merged header rules (the upstream's, then its own)
 * and its `@cache`. A header rule's `identity:` decides; without one, the credential headers
 * and any header forwarded from the client (`from:`, `{header.X}`, `{context.X}`) carry the
 * caller's identity — except `accept` and `accept-language`, which only vary the key. Trace
 * headers and headers made only of literal text and `{env.X}` stay out of keys; any other
 * header (`{args.X}`, or one the policy does not know) varies the key.
 */
export function buildCachePolicy(
  upstream: UpstreamPlan,
  headers: readonly HeaderPlan[],
  cache: CachePlan | undefined,
  target?: ReadTarget,
): CachePolicy {
  const identityHeaders = new Set(credentialHeaders);
  const constantHeaders = new Set(traceHeaders);
  const clientSources = new Map<string, readonly string[] | null>();
  for (const rule of headers) {
    const variables = rule.value?.variables ?? [];
    const forwarded = rule.from !== undefined || variables.some((v) => v.root === "header" || v.root === "context");
    if (forwarded) clientSources.set(rule.name, readClientSources(rule));
    if (traceHeaders.has(rule.name)) continue;
    const identity = credentialHeaders.has(rule.name) || (rule.identity ?? (forwarded && !negotiationHeaders.has(rule.name)));
    if (identity) identityHeaders.add(rule.name);
    else if (!forwarded && rule.value !== undefined && variables.every((v) => v.root === "env")) constantHeaders.add(rule.name);
    else identityHeaders.delete(rule.name);
  }
  const upstreamCache = upstream.cache;
  return {
    maxAge: cache?.maxAge ?? upstreamCache?.maxAge ?? undefined,
    staleWhileRevalidate: cache?.staleWhileRevalidate ?? upstreamCache?.staleWhileRevalidate ?? undefined,
    scope: cache?.scope ?? upstreamCache?.scope ?? undefined,
    identityHeaders,
    constantHeaders,
    clientSources,
    personal: target !== undefined && readsCaller(target),
    dedupe: target?.dedupe ?? upstream.dedupe ?? false,
  };
}

function readClientSources(rule: HeaderPlan): readonly string[] | null {
  if (rule.from !== undefined) return [rule.from];
  const variables = rule.value?.variables ?? [];
  if (variables.some((v) => v.root === "context")) return null;
  return variables.filter((v) => v.root === "header").map((v) => (v.path[0] ?? "").toLowerCase());
}

function readsCaller(target: ReadTarget): boolean {
  const parts: TemplatePart[] = [...target.url.path, ...target.url.query.flatMap((param) => param.value)];
  const body = target.body;
  if (body !== undefined) {
    if ("kind" in body) parts.push(...(body.kind === "value" ? [body.variable] : body.template.parts));
    else parts.push(...body.parts);
  }
  return parts.some((part) => typeof part !== "string" && (part.root === "header" || part.root === "context"));
}
