import { context, SpanKind, SpanStatusCode, trace, type Attributes, type Context } from "@opentelemetry/api";
import type { UpstreamPlan } from "../plan/schema-plan.js";
import { liveTracer } from "./live-tracer.js";
import { recordSpanError } from "./record-span-error.js";
import { redactUrl } from "./redact-url.js";
import { unsampled } from "./unsampled.js";

/** What a client span reads of one upstream call (an UpstreamRequest). */
export interface TracedCall {
  upstream: Pick<UpstreamPlan, "name" | "origin">;
  method: string;
  path: string;
  route?: string | undefined;
  batchSize?: number | undefined;
  /** The context the call continues (its operation's or request's); the client span's while it runs. */
  trace?: Context | undefined;
}

/** What the cache said about the call (a CacheStatus): filled in by the time the call settles. */
export interface TracedCacheStatus {
  status?: string | undefined;
}

/**
 * One upstream call as a CLIENT span (HTTP semantic conventions), around the shared cache: a
 * cache hit is a span with `trestle.cache.status: hit` and no HTTP under it. The span's context
 * is the call's `trace` while it runs, so the upstream client sends its `traceparent`
 * (withTraceContext) and notes retries on it (`http.request.resend_count`: one span per call,
 * not per attempt). An answer of 400 or more, or a thrown error, marks it failed
 * (`error.type`: `UPSTREAM_ERROR`, or the thrown error's code). With no SDK registered `run`
 * is called as it is: nothing is built. `cache` is the caller's status object, or one made
 * here (every field of a cache status is optional) so the span can say what the cache did.
 */
export async function traceUpstreamCall<T extends { status: number }, S extends TracedCacheStatus>(
  call: TracedCall,
  cache: S | undefined,
  run: (cache: S | undefined) => Promise<T>,
): Promise<T> {
  const tracer = liveTracer();
  if (tracer === undefined) return run(cache);
  const parent = call.trace ?? context.active();
  // Under a span the sampler dropped, no span: the call sends the parent's traceparent (withTraceContext).
  if (unsampled(parent)) return run(cache);
  const status = cache ?? ({} as S);
  const { method } = call;
  const route = pathTemplate(call.route);
  const span = tracer.startSpan(route === undefined ? method : `${method} ${route}`, { kind: SpanKind.CLIENT }, parent);
  if (span.isRecording()) span.setAttributes(callAttributes(call));
  try {
    call.trace = trace.setSpan(parent, span);
    const answer = await run(status);
    span.setAttribute("http.response.status_code", answer.status);
    if (answer.status >= 400) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: "UPSTREAM_ERROR" });
      span.setAttribute("error.type", "UPSTREAM_ERROR");
    }
    return answer;
  } catch (error) {
    recordSpanError(span, error);
    throw error;
  } finally {
    if (status.status !== undefined) span.setAttribute("trestle.cache.status", status.status);
    span.end();
  }
}

const servers = new Map<string, { address: string; port: number }>();

/** The attributes known before sending: never a header, a body or a query value. */
function callAttributes(call: TracedCall): Attributes {
  const { upstream } = call;
  const route = pathTemplate(call.route);
  let server = servers.get(upstream.origin);
  if (server === undefined) {
    const url = new URL(upstream.origin);
    server = { address: url.hostname, port: Number(url.port || (url.protocol === "https:" ? 443 : 80)) };
    servers.set(upstream.origin, server);
  }
  const attributes: Attributes = {
    "http.request.method": call.method,
    "url.full": redactUrl(upstream.origin, call.path, route),
    "server.address": server.address,
    "server.port": server.port,
    "trestle.upstream": upstream.name,
  };
  if (route !== undefined) attributes["url.template"] = route;
  if (call.route !== undefined) attributes["trestle.route"] = call.route;
  if (call.batchSize !== undefined) attributes["trestle.batch.size"] = call.batchSize;
  return attributes;
}

/** The declared route's path (`/users?ids={keys}` → `/users`): span names and `url.template` follow HTTP's conventions. */
function pathTemplate(route: string | undefined): string | undefined {
  if (route === undefined) return undefined;
  const at = route.indexOf("?");
  return at === -1 ? route : route.slice(0, at);
}
