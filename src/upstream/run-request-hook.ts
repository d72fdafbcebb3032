import type { OutgoingUpstreamRequest } from "./upstream-transport-options.js";
import type { UpstreamRequest } from "./upstream-request.js";
import { TrestleError, UpstreamError } from "../errors.js";
import { reservedHeaders } from "./reserved-headers.js";
import { checkHeaderValue, headerValueContract } from "./check-header-value.js";

export type UpstreamRequestHook = (request: OutgoingUpstreamRequest) => void | Promise<void>;

/**
 * Runs `onUpstreamRequest` on a copy of the request's headers and returns the headers to send.
 * WHATWG `Headers` refuses values with CR, LF, NUL or above U+00FF (a TypeError, so the hook
 * fails); the other control characters it lets through are refused here, as for rendered
 * values. The hook may not set the headers the HTTP layer owns (`host`, `content-length`, …). Whatever
 * fails, nothing is sent: the caller gets an `UPSTREAM_REQUEST_HOOK_FAILED` error whose message
 * names no detail of the app's code (that goes to `cause` and debug output). A TrestleError the
 * hook throws on purpose reaches the client as it is.
 */
export async function runRequestHook(hook: UpstreamRequestHook, request: UpstreamRequest): Promise<Record<string, string>> {
  const { upstream } = request;
  const where = `${request.method} ${request.path}`;
  const headers = new Headers(request.headers);
  try {
    await hook({ upstream: upstream.name, method: request.method, url: upstream.origin + request.path, headers, body: request.body });
  } catch (error) {
    if (error instanceof TrestleError) throw error;
    throw new UpstreamError(
      "UPSTREAM_REQUEST_HOOK_FAILED",
      upstream.name,
      `onUpstreamRequest failed for a request to upstream "${upstream.name}"; nothing was sent.`,
      {
        cause: error,
        debug: { request: where, reason: error instanceof Error ? error.message : String(error) },
      },
    );
  }
  const sent: Record<string, string> = {};
  for (const [name, value] of headers) {
    if (reservedHeaders.has(name) && request.headers[name] !== value) {
      throw new UpstreamError(
        "UPSTREAM_REQUEST_HOOK_FAILED",
        upstream.name,
        `onUpstreamRequest set header "${name}" for upstream "${upstream.name}", but the HTTP layer owns it; nothing was sent.`,
        {
          debug: { request: where },
        },
      );
    }
    const problem = checkHeaderValue(value);
    if (problem !== undefined) {
      throw new UpstreamError(
        "UPSTREAM_REQUEST_HOOK_FAILED",
        upstream.name,
        `onUpstreamRequest set header "${name}" for upstream "${upstream.name}" to a value with ${problem}: ${headerValueContract}; nothing was sent.`,
        {
          debug: { request: where },
        },
      );
    }
    sent[name] = value;
  }
  return sent;
}
