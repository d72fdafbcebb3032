import { context, propagation, SpanKind, SpanStatusCode, trace, type Context, type TextMapGetter, type Tracer } from "@opentelemetry/api";
import { liveTracer } from "./live-tracer.js";
import { recordSpanError } from "./record-span-error.js";

/** Request headers as an Exchange reads them. */
export interface TracedHeaders {
  get(name: string): string | null;
}

const getter: TextMapGetter<TracedHeaders> = {
  keys: () => [],
  get: (headers, key) => headers.get(key) ?? undefined,
};

/** Methods a span may name; any other is `_OTHER` (HTTP semantic conventions), so a client cannot make up span names. */
const knownMethods = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"]);

/**
 * One HTTP request as a span around `work`, the route table's (SERVER, or INTERNAL under the host app's own span): `http.request.method`,
 * `trestle.route.name` (the metrics label), `http.route` when the path is a fixed one, and
 * the status `statusOf` reads once the answer is written (5xx: status ERROR). The trace
 * continues the span active in the host app (its own HTTP instrumentation), else the
 * client's `traceparent`/`tracestate`, through the propagator the SDK registered. The span's
 * context goes to `exchange.trace` (operations and calls continue it from there, never from
 * the async context). With no SDK registered, `work()` and nothing else.
 */
export function traceRequest<T>(
  exchange: { readonly method: string; readonly headers: TracedHeaders; trace?: Context | undefined },
  routeName: string,
  httpRoute: string | undefined,
  work: () => Promise<T>,
  statusOf: (answer: T | undefined) => number,
): Promise<T> {
  const tracer = liveTracer();
  return tracer === undefined ? work() : traced(tracer, exchange, routeName, httpRoute, work, statusOf);
}

async function traced<T>(
  tracer: Tracer,
  exchange: { readonly method: string; readonly headers: TracedHeaders; trace?: Context | undefined },
  routeName: string,
  httpRoute: string | undefined,
  work: () => Promise<T>,
  statusOf: (answer: T | undefined) => number,
): Promise<T> {
  const { method, headers } = exchange;
  const active = context.active();
  const hosted = trace.getSpan(active) !== undefined;
  const parent = hosted ? active : propagation.extract(active, headers, getter);
  const shown = knownMethods.has(method) ? method : "_OTHER";
  const span = tracer.startSpan(
    httpRoute === undefined ? shown : `${shown} ${httpRoute}`,
    { kind: hosted ? SpanKind.INTERNAL : SpanKind.SERVER },
    parent,
  );
  if (span.isRecording()) {
    span.setAttribute("http.request.method", shown);
    span.setAttribute("trestle.route.name", routeName);
    if (httpRoute !== undefined) span.setAttribute("http.route", httpRoute);
  }
  let answer: T | undefined;
  try {
    exchange.trace = trace.setSpan(parent, span);
    return (answer = await work());
  } catch (error) {
    recordSpanError(span, error);
    throw error;
  } finally {
    const status = statusOf(answer);
    span.setAttribute("http.response.status_code", status);
    if (status >= 500) {
      span.setStatus({ code: SpanStatusCode.ERROR });
      span.setAttribute("error.type", String(status));
    }
    span.end();
  }
}

/**
 * Names the active request span after a passthrough route (`mount` `/rest/ml` → `GET /rest/ml/*`, `http.route`) and
 * its upstream, once the route matched: the path itself (ids, values) is never a span name.
 */
export function notePassthroughRoute(requestTrace: Context | undefined, method: string, upstream: string, mount: string): void {
  if (requestTrace === undefined) return;
  const httpRoute = `${mount}/*`;
  const span = trace.getSpan(requestTrace);
  if (span === undefined || !span.isRecording()) return;
  span.updateName(`${knownMethods.has(method) ? method : "_OTHER"} ${httpRoute}`);
  span.setAttribute("http.route", httpRoute);
  span.setAttribute("trestle.upstream", upstream);
}
