import { trace, TraceFlags, type Context } from "@opentelemetry/api";

/**
 * Whether `parent` holds a span the SDK chose not to record and not to sample: Trestle's request
 * span that the sampler dropped (always_off, or the unsampled share of a ratio). Its operation
 * and upstream calls then build no span of their own: every standard sampler (`parentbased_*`
 * follows the parent, `traceidratio` decides by the same trace id, `always_off` drops all) would
 * drop them too, and each costs the SDK an id, a sampling call and a context. The calls still
 * carry the parent's `traceparent` (flag 00), so the trace id reaches the upstream all the same.
 * False with no span (a root is sampled as usual) and for a span that records.
 */
export function unsampled(parent: Context | undefined): boolean {
  const span = parent === undefined ? undefined : trace.getSpan(parent);
  return span !== undefined && !span.isRecording() && (span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0;
}
