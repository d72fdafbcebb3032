import type { Env } from "../config/interpolate-env.js";
import type { UpstreamRequest } from "../connector/build-request.js";
import type { UpstreamResponse } from "../upstream/upstream-client.js";

/** One upstream call as the debug extension and metrics see it. */
export interface UpstreamCallRecord {
  upstream: string;
  method: string;
  /** Origin-relative path and query. */
  path: string;
  /** HTTP status, or the error code when no answer came. */
  status: number | string;
  ms: number;
}

/** Sends one built request through the rest of the pipeline (cache, then the upstream client). */
export type SendUpstream = (request: UpstreamRequest) => Promise<UpstreamResponse>;

/**
 * Per-request state: what templates may read and the calls made so far. One exists per
 * GraphQL request (or passthrough call); nothing in it is shared between requests.
 */
export interface OperationContext {
  headers: { get(name: string): string | null };
  env: Env;
  values: Readonly<Record<string, unknown>>;
  calls: UpstreamCallRecord[];
  /** The pipeline's load step: every upstream call of this operation goes through it. */
  load(request: UpstreamRequest): Promise<UpstreamResponse>;
}

export function createOperationContext(
  init: Pick<OperationContext, "headers" | "env" | "values">,
  send: SendUpstream,
): OperationContext {
  const calls: UpstreamCallRecord[] = [];
  return {
    ...init,
    calls,
    async load(request) {
      const started = performance.now();
      const record: UpstreamCallRecord = { upstream: request.upstream.name, method: request.method, path: request.path, status: 0, ms: 0 };
      calls.push(record);
      try {
        const response = await send(request);
        record.status = response.status;
        return response;
      } catch (error) {
        record.status = (error as { code?: string }).code ?? "ERROR";
        throw error;
      } finally {
        record.ms = Math.round((performance.now() - started) * 10) / 10;
      }
    },
  };
}
