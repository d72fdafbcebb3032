import { isSpanContextValid, trace, TraceFlags, type Context } from "@opentelemetry/api";

/**
 * The trace id of the request's span (`context`: its trace context, src/tracing/), else of
 * OpenTelemetry's active span (a host app's), when there is one with a valid context that is
 * sampled: a trace the sampler dropped is exported nowhere, so its id would lead nowhere. With
 * no SDK registered there is none (the API's no-op), and this returns undefined at once.
 */
export function traceIdOf(context?: Context): string | undefined {
  const span = context === undefined ? trace.getActiveSpan() : trace.getSpan(context);
  if (span === undefined) return undefined;
  const spanContext = span.spanContext();
  return (spanContext.traceFlags & TraceFlags.SAMPLED) !== 0 && isSpanContextValid(spanContext) ? spanContext.traceId : undefined;
}
