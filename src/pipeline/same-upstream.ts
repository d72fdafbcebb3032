import type { UpstreamPlan } from "../plan/schema-plan.js";

/**
 * Whether two plans of one upstream (before and after `trestle.reload()`) are the same: base URL,
 * headers, cache policy, timeouts, resilience, passthrough and error exposure all equal. An
 * unchanged upstream keeps its client (pool, breaker) and its cache entries across a reload.
 */
export function sameUpstream(a: UpstreamPlan, b: UpstreamPlan): boolean {
  return a === b || planText(a) === planText(b);
}

/** The plan as JSON with sorted keys; Sets become sorted arrays (the error statuses). */
function planText(plan: UpstreamPlan): string {
  return JSON.stringify(plan, (_key, value: unknown) => {
    if (value instanceof Set) return [...(value as Set<unknown>)].map(String).sort();
    if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
    return Object.fromEntries(Object.entries(value).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
  });
}
