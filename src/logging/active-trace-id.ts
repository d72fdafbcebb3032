import { isSpanContextValid, trace } from "@opentelemetry/api";

/**
 * The trace id of OpenTelemetry's active span, when there is one with a valid context. With no
 * SDK registered there is no active span (the API's no-op), and this returns undefined at once.
 */
export function activeTraceId(): string | undefined {
  const span = trace.getActiveSpan();
  if (span === undefined) return undefined;
  const context = span.spanContext();
  return isSpanContextValid(context) ? context.traceId : undefined;
}
