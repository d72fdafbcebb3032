import * as crypto from "node:crypto";
import type { UpstreamRequest } from "../upstream/upstream-request.js";
import type { CachePolicy } from "../plan/cache-policy.js";

/**
 * Where one read's answer may be found. Keys are JSON arrays (upstream, method, target, a
 * SHA-256 of the varying headers sent), never concatenations, so no two different reads can
 * share a key (`("a", "bc")` vs `("ab", "c")`: CVE-2026-16158). The target stays as it is
 * (path purges match it); no client-chosen header value is ever stored verbatim.
 */
export interface CacheKey {
  /** The key every caller of this read shares. */
  shared: string;
  /**
   * The shared key plus a SHA-256 of the identity headers actually sent; set only when the
   * request carried one (it "has credentials"). Raw credentials never enter a key.
   */
  identity: string | undefined;
}

/**
 * Facts about the hop (RFC 7239, and the de-facto X-Forwarded-For) that passthrough reads send:
 * never part of a key (H06); an upstream whose answer depends on them says so with `Vary`.
 * `X-Forwarded-Host` and `-Proto` are sent only for allow-listed hosts, and keyed (S02).
 */
const hopHeaders = new Set(["forwarded", "x-forwarded-for"]);

/**
 * Builds the keys of a GET/HEAD request. One pass over the headers sent: constant headers
 * (the same on every request), trace headers (C16) and hop facts are skipped, identity
 * headers are hashed into the identity key, every other header (`accept`, `accept-language`,
 * `identity: false` rules, `{args.X}` values) is hashed into both — so an input the answer
 * may depend on is never left out of the key (C11).
 */
export function buildCacheKey(request: UpstreamRequest, policy: CachePolicy): CacheKey {
  let varying: string[] | null = null;
  let identity: string[] | null = null;
  const { headers } = request;
  for (const name in headers) {
    if (policy.constantHeaders.has(name)) continue;
    const value = headers[name]!;
    if (policy.identityHeaders.has(name)) {
      if (value !== "") (identity ??= []).push(name, value);
    } else if (!hopHeaders.has(name)) (varying ??= []).push(name, value);
  }
  const upstream = request.upstream.name;
  const varied = varying === null ? null : hashValues(varying);
  return {
    shared: JSON.stringify([upstream, request.method, request.path, varied]),
    identity: identity === null ? undefined : JSON.stringify([upstream, request.method, request.path, varied, hashValues(identity)]),
  };
}

/** The key of one variant of an answer that says `Vary`: the base key and the varied request headers, hashed. */
export function buildVaryKey(baseKey: string, names: readonly string[], headers: Readonly<Record<string, string>>): string {
  return JSON.stringify([baseKey, hashValues(names.map((name) => headers[name] ?? null))]);
}

function hashValues(values: readonly (string | null)[]): string {
  return sha256(JSON.stringify(values));
}

/** One-shot `crypto.hash` (Node ≥ 20.12, a quarter of createHash's cost on short input), else createHash. */
const sha256: (text: string) => string =
  typeof crypto.hash === "function"
    ? (text) => crypto.hash("sha256", text, "base64url")
    : (text) => crypto.createHash("sha256").update(text).digest("base64url");
