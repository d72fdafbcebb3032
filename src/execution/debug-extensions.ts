import type { UpstreamCallRecord } from "../loader/operation-context.js";

/** The debug extension of one result, the same on both GraphQL routes: `{ trestle: { upstreamCallCount, upstreamCalls } }`. */
export function debugExtensions(calls: readonly UpstreamCallRecord[]): {
  trestle: { upstreamCallCount: number; upstreamCalls: readonly UpstreamCallRecord[] };
} {
  return { trestle: { upstreamCallCount: calls.length, upstreamCalls: calls } };
}
