import { UpstreamError } from "../errors.js";

/**
 * undici's refusals of a request it was handed, before anything went out: an invalid header,
 * method, path or body (`InvalidArgumentError`), or a feature it does not support. Through
 * `fetch` they arrive as the `cause` of a TypeError.
 */
const refusalCodes = new Set(["UND_ERR_INVALID_ARG", "UND_ERR_NOT_SUPPORTED"]);

export function isRefusedBeforeSending(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code ?? (error as { cause?: { code?: unknown } } | null)?.cause?.code;
  return typeof code === "string" && refusalCodes.has(code);
}

/**
 * UPSTREAM_REQUEST_INVALID: the HTTP client refused the request Trestle built, so the upstream
 * never saw it. Not retried (the same request would be refused again) and not counted by the
 * breaker (it says nothing about the upstream). Every header value is checked before this
 * point, so this is a bug to report; the reason goes to debug output only.
 */
export function refusedBeforeSending(upstream: string, where: string, error: unknown): UpstreamError {
  const reason = error instanceof Error ? `${(error as { code?: string }).code ?? error.name}: ${error.message}` : String(error);
  return new UpstreamError(
    "UPSTREAM_REQUEST_INVALID",
    upstream,
    `The HTTP client refused the request to upstream "${upstream}" before sending it; nothing was sent.`,
    {
      cause: error,
      debug: { request: where, reason },
    },
  );
}
