import { context, propagation, trace } from "@opentelemetry/api";
import { liveTracer } from "./live-tracer.js";

/**
 * The request as the upstream client sends it: with an SDK registered and a span active (the
 * call's client span, traceUpstreamCall), its headers carry that span's W3C `traceparent`
 * (and `tracestate`, and baggage when the SDK propagates it), replacing whatever a declared
 * header rule put there: never the client's raw value. With no SDK, the request itself:
 * trace headers go upstream only through a declared rule, as they are.
 */
export function withTraceContext<R extends { headers: Record<string, string> }>(request: R): R {
  if (liveTracer() === undefined) return request;
  const active = context.active();
  if (trace.getSpan(active) === undefined) return request;
  const headers = { ...request.headers };
  delete headers["traceparent"];
  delete headers["tracestate"];
  propagation.inject(active, headers);
  return { ...request, headers };
}

/** Notes on the active client span that a call was sent `count` more times (retries). */
export function noteResends(count: number): void {
  if (count > 0) trace.getActiveSpan()?.setAttribute("http.request.resend_count", count);
}
