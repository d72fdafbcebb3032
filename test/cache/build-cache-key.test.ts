import { describe, expect, it } from "vitest";
import { buildCacheKey } from "../../src/cache/build-cache-key.js";
import { buildCachePolicy } from "../../src/cache/build-cache-policy.js";
import type { UpstreamRequest } from "../../src/upstream/upstream-request.js";
import { parseTemplate } from "../../src/template/parse-template.js";
import type { HeaderPlan, UpstreamPlan } from "../../src/plan/schema-plan.js";
import { testUpstreamPlan } from "../helpers/upstream-plan.js";

function upstream(name: string, headers: HeaderPlan[] = []): UpstreamPlan {
  return testUpstreamPlan({ name, headers });
}
const rule = (name: string, value: string): HeaderPlan => ({ name, value: parseTemplate(value).template });
const request = (plan: UpstreamPlan, path: string, headers: Record<string, string> = {}): UpstreamRequest => ({
  upstream: plan,
  method: "GET",
  path,
  headers,
  body: undefined,
});
const keyOf = (plan: UpstreamPlan, path: string, headers: Record<string, string> = {}) =>
  buildCacheKey(request(plan, path, headers), buildCachePolicy(plan, plan.headers, undefined));

describe("buildCacheKey", () => {
  it("C07: (upstream a, path bc) and (upstream ab, path c) get different keys", () => {
    expect(keyOf(upstream("a"), "bc").shared).not.toBe(keyOf(upstream("ab"), "c").shared);
    expect(keyOf(upstream("a"), "/x/y").shared).not.toBe(keyOf(upstream("a/x"), "/y").shared);
  });

  it("keys the method, the path with its query, and headers that may change per request", () => {
    const plan = upstream("ml", [rule("x-version", "{args.version}")]);
    const base = keyOf(plan, "/m?x=1", { "x-version": "1" }).shared;
    expect(keyOf(plan, "/m?x=2", { "x-version": "1" }).shared).not.toBe(base);
    expect(keyOf(plan, "/m?x=1", { "x-version": "2" }).shared).not.toBe(base);
    expect(
      buildCacheKey({ ...request(plan, "/m?x=1", { "x-version": "1" }), method: "HEAD" }, buildCachePolicy(plan, plan.headers, undefined))
        .shared,
    ).not.toBe(base);
    expect(keyOf(plan, "/m?x=1", { "x-version": "1", accept: "text/html" }).shared).not.toBe(base);
  });

  it("leaves constant headers (literal, {env.X}) out of the key: no secret in it, shared by all callers", () => {
    const plan = upstream("ml", [rule("x-api-key", "{env.KEY}"), rule("x-client", "trestle")]);
    const key = keyOf(plan, "/m", { "x-api-key": "SECRET-123", "x-client": "trestle" });
    expect(key.shared).not.toContain("SECRET-123");
    expect(key.identity).toBeUndefined();
  });

  it("C01: hashes the credentials sent into an identity key; never the raw value", () => {
    const plan = upstream("ml", [
      { name: "authorization", from: "authorization" },
      rule("x-tenant", "t-{header.x-tenant}"),
      rule("x-user", "{context.user}"),
    ]);
    const a = keyOf(plan, "/me", { authorization: "Bearer TOKEN-A" });
    const b = keyOf(plan, "/me", { authorization: "Bearer TOKEN-B" });
    expect(a.shared).toBe(b.shared);
    expect(a.identity).toBeDefined();
    expect(a.identity).not.toBe(b.identity);
    expect(a.identity).not.toContain("TOKEN-A");
    expect(keyOf(plan, "/me", { "x-tenant": "t-1" }).identity).not.toBe(keyOf(plan, "/me", { "x-tenant": "t-2" }).identity);
    expect(keyOf(plan, "/me", { "x-user": "u1" }).identity).toBeDefined();
    expect(keyOf(plan, "/me", { cookie: "s=1" }).identity).toBeDefined();
    expect(keyOf(plan, "/me", {}).identity).toBeUndefined();
  });

  it("counts a static Authorization as a credential too (RFC 9111 §3.5)", () => {
    const plan = upstream("ml", [rule("authorization", "Bearer {env.TOKEN}")]);
    expect(keyOf(plan, "/m", { authorization: "Bearer service" }).identity).toBeDefined();
  });

  it("C23: no client-chosen header value is stored verbatim in a key; the path stays as it is", () => {
    const plan = upstream("ml", [
      { name: "accept-language", from: "accept-language" },
      { name: "x-lang", from: "x-lang", identity: false },
      rule("x-version", "{args.v}"),
    ]);
    const key = keyOf(plan, "/models/fraud?limit=5", {
      "accept-language": "SECRET-LANG",
      "x-lang": "SECRET-X",
      "x-version": "SECRET-V",
      accept: "SECRET-ACCEPT",
    });
    for (const secret of ["SECRET-LANG", "SECRET-X", "SECRET-V", "SECRET-ACCEPT"]) expect(key.shared).not.toContain(secret);
    expect(key.shared).toContain("/models/fraud?limit=5");
    expect(key.identity).toBeUndefined();
    expect(keyOf(plan, "/m", { "x-lang": "de" }).shared).not.toBe(keyOf(plan, "/m", { "x-lang": "it" }).shared);
  });

  it("C15/C16: accept and accept-language vary, trace and hop headers never enter a key, identity: true/false decide", () => {
    const plan = upstream("ml", [
      { name: "accept-language", from: "accept-language" },
      { name: "traceparent", from: "traceparent" },
      rule("x-request-id", "{header.x-request-id}"),
      { ...rule("x-api-key", "{args.key}"), identity: true },
      { name: "x-tenant", from: "x-tenant", identity: false },
    ]);
    const base = keyOf(plan, "/m", { traceparent: "00-a-b-01", "x-request-id": "r1", "x-forwarded-for": "10.0.0.1" });
    expect(keyOf(plan, "/m", { traceparent: "00-c-d-01", "x-request-id": "r2", "x-forwarded-for": "10.0.0.2" })).toEqual(base);
    expect(base).toEqual(keyOf(plan, "/m"));
    expect(keyOf(plan, "/m", { "accept-language": "en" }).identity).toBeUndefined();
    expect(keyOf(plan, "/m", { "accept-language": "en" }).shared).not.toBe(base.shared);
    expect(keyOf(plan, "/m", { "x-api-key": "k1" }).identity).toBeDefined();
    expect(keyOf(plan, "/m", { "x-tenant": "t1" }).identity).toBeUndefined();
    expect(keyOf(plan, "/m", { "x-tenant": "t1" }).shared).not.toBe(keyOf(plan, "/m", { "x-tenant": "t2" }).shared);
    // identity: false never frees a credential header.
    const forced = upstream("ml", [{ name: "authorization", from: "authorization", identity: false }]);
    expect(keyOf(forced, "/m", { authorization: "Bearer A" }).identity).toBeDefined();
  });

  it("C23: an attacker's header values cannot grow a key or forge another caller's: huge and JSON-shaped values are hashed", () => {
    const plan = upstream("ml", [
      { name: "accept-language", from: "accept-language" },
      { name: "x-lang", from: "x-lang", identity: false },
    ]);
    const small = keyOf(plan, "/m", { "accept-language": "en" });
    const huge = keyOf(plan, "/m", { "accept-language": "x".repeat(64_000) });
    expect(huge.shared.length).toBe(small.shared.length);
    // A value shaped like the key's own JSON cannot make two different header sets share a key.
    const forged = keyOf(plan, "/m", { "accept-language": 'en","x-lang","de' });
    const honest = keyOf(plan, "/m", { "accept-language": "en", "x-lang": "de" });
    expect(forged.shared).not.toBe(honest.shared);
  });
});
