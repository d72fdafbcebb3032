import type { UpstreamPlan } from "../../src/plan/schema-plan.js";

/** A complete UpstreamPlan with small defaults, for unit tests of code that reads one. */
export function testUpstreamPlan(overrides: Partial<UpstreamPlan> & { name: string }): UpstreamPlan {
  return {
    origin: "http://127.0.0.1:1",
    basePath: "",
    naming: "AS_IS",
    timeoutMs: 1000,
    connectTimeoutMs: 1000,
    maxResponseBytes: 1000,
    headers: [],
    passthrough: undefined,
    cache: undefined,
    resilience: {
      retries: 0,
      backoffMs: 1,
      maxRetryAfterMs: 1000,
      breakerFailures: 0,
      breakerResetMs: 1000,
      maxConcurrency: 8,
      maxQueue: 32,
    },
    ...overrides,
  };
}
