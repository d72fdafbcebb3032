import { BadUserInputError, TrestleError, UpstreamError, clientClosedRequest } from "../errors.js";
import type { UpstreamPlan } from "../plan/schema-plan.js";
import { isRefusedBeforeSending, refusedBeforeSending } from "./refused-before-sending.js";

/** What was happening when a call failed: who aborted it, if anyone. */
export interface FailureContext {
  /** `METHOD path`, for the error's debug extension. */
  where: string;
  /** The call's deadline fired. */
  timedOut: boolean;
  /** The client went away (its signal aborted) before the deadline. */
  clientGone: boolean;
}

/**
 * The one error classification of an upstream call, buffered or streamed: a Trestle error
 * stays as it is; the client going away is CLIENT_CLOSED_REQUEST; a request undici refused
 * before sending anything is refusedBeforeSending's error; the deadline (or undici's own
 * connect and headers timers) is UPSTREAM_TIMEOUT; a request body that does not match its
 * Content-Length is the client's fault (BAD_USER_INPUT); anything else is UPSTREAM_UNAVAILABLE.
 */
export function classifyUpstreamError(error: unknown, upstream: UpstreamPlan, context: FailureContext): TrestleError {
  if (error instanceof TrestleError) return error;
  const { where, timedOut } = context;
  if (context.clientGone && !timedOut) return clientClosedRequest(upstream.name, error);
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === "UND_ERR_REQ_CONTENT_LENGTH_MISMATCH")
    return new BadUserInputError("The request body does not match its Content-Length.", { cause: error });
  if (isRefusedBeforeSending(error)) return refusedBeforeSending(upstream.name, where, error);
  if (timedOut || code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_CONNECT_TIMEOUT") {
    return new UpstreamError(
      "UPSTREAM_TIMEOUT",
      upstream.name,
      `Upstream "${upstream.name}" did not answer within ${upstream.timeoutMs} ms.`,
      { cause: error, debug: { request: where } },
    );
  }
  const reason = error instanceof Error ? (code === undefined ? error.message : `${code}: ${error.message}`) : String(error);
  return new UpstreamError("UPSTREAM_UNAVAILABLE", upstream.name, `Upstream "${upstream.name}" is unavailable.`, {
    cause: error,
    debug: { request: where, reason },
  });
}
