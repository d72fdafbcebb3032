import type { Context } from "@opentelemetry/api";
import type { CachePolicy } from "../plan/cache-policy.js";
import type { HttpMethod, UpstreamPlan } from "../plan/schema-plan.js";

/** One HTTP call to an upstream, fully built and checked. */
export interface UpstreamRequest {
  upstream: UpstreamPlan;
  method: HttpMethod;
  /** Origin-relative target: the base path, the rendered path and the query string. */
  path: string;
  headers: Record<string, string>;
  body: string | undefined;
  /** How the shared cache treats this read (the field's `@cache` and identity headers); else the upstream's. */
  cache?: CachePolicy;
  /**
   * The path as declared, variables unrendered (`/v1/users/{args.id}`): what traces, logs and the
   * debug waterfall show, never a value. Absent on calls not made from a template.
   */
  route?: string;
  /** How many keys a batch call carries (`@rest(batch:)`); absent on single calls. */
  batchSize?: number;
  /**
   * With an OpenTelemetry SDK registered: the trace context the call continues (its operation's
   * or request's), then its own client span's (src/tracing/). Carried here, not in the async
   * context: AsyncLocalStorage would cost every promise of the process.
   */
  trace?: Context | undefined;
}
