import { SpanStatusCode, type Span } from "@opentelemetry/api";

/**
 * Marks `span` failed: status ERROR, `error.type` the Trestle error code (`UPSTREAM_TIMEOUT`,
 * …; `_OTHER` for an error without one), and an `exception` event that carries only that
 * code. Error messages echo their input (a URL with its query, a header name), so none is
 * recorded: no secret can reach the trace through them.
 */
export function recordSpanError(span: Span, error: unknown): void {
  const code = errorCode(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: code });
  span.setAttribute("error.type", code);
  span.addEvent("exception", { "exception.type": code });
}

/** An error's Trestle code: `error.code`, or a GraphQL error's `extensions.code` or its original error's; else `_OTHER`. */
export function errorCode(error: unknown): string {
  if (typeof error !== "object" || error === null) return "_OTHER";
  const { code, extensions, originalError } = error as { code?: unknown; extensions?: { code?: unknown }; originalError?: unknown };
  if (typeof code === "string" && code !== "") return code;
  const graphqlCode = extensions?.code;
  if (typeof graphqlCode === "string" && graphqlCode !== "") return graphqlCode;
  return originalError === undefined || originalError === error ? "_OTHER" : errorCode(originalError);
}
