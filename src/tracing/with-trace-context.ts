import { propagation, trace, type Context } from "@opentelemetry/api";
import { liveTracer } from "./live-tracer.js";

/**
 * The request as the upstream client sends it: with an SDK registered and a client span on the
 * call (its `trace`, traceUpstreamCall), its headers carry that span's W3C `traceparent` (and
 * `tracestate`, and baggage when the SDK propagates it), replacing whatever a declared header
 * rule put there: never the client's raw value. With no SDK, the request itself: trace headers
 * go upstream only through a declared rule, as they are.
 */
export function withTraceContext<R extends { headers: Record<string, string>; trace?: Context | undefined }>(request: R): R {
  const active = request.trace;
  if (active === undefined || liveTracer() === undefined || trace.getSpan(active) === undefined) return request;
  // Copied without the client's trace headers (no `delete`: it leaves a slow dictionary-mode object).
  const headers: Record<string, string> = {};
  for (const name in request.headers) if (name !== "traceparent" && name !== "tracestate") headers[name] = request.headers[name]!;
  propagation.inject(active, headers);
  return { ...request, headers };
}

/** Notes on the call's client span that it was sent `count` more times (retries). */
export function noteResends(request: { trace?: Context | undefined }, count: number): void {
  if (count > 0 && request.trace !== undefined) trace.getSpan(request.trace)?.setAttribute("http.request.resend_count", count);
}
