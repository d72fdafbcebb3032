import { TrestleError, UpstreamError } from "../errors.js";
import type { Answer as PassthroughAnswer } from "../http/answer.js";
import type { RouteMatch } from "./match-route.js";

/**
 * The kinds of problem the passthrough route answers with, each an RFC 9457 problem type:
 * `type` is `https://trestle.dev/problems/<kind>`, `title` the same for every occurrence,
 * `detail` this occurrence, `code` the stable code (the error's own when one is given, as
 * GraphQL's `extensions.code`). Nothing internal (upstream URLs, socket errors, stacks) goes in.
 */
export const problemKinds = {
  "invalid-request-target": [400, "Invalid request target", "INVALID_REQUEST_TARGET"],
  "bad-request": [400, "Bad request", "BAD_USER_INPUT"],
  "route-not-found": [404, "No passthrough route", "ROUTE_NOT_FOUND"],
  "method-not-allowed": [405, "Method not allowed", "METHOD_NOT_ALLOWED"],
  "request-timeout": [408, "Request timeout", "REQUEST_TIMEOUT"],
  "request-too-large": [413, "Request body too large", "REQUEST_TOO_LARGE"],
  "uri-too-long": [414, "Request target too long", "URI_TOO_LONG"],
  "internal-error": [500, "Internal error", "INTERNAL_SERVER_ERROR"],
  "upstream-unavailable": [502, "Upstream unavailable", "UPSTREAM_UNAVAILABLE"],
  "upstream-bad-response": [502, "Bad upstream response", "UPSTREAM_BAD_RESPONSE"],
  "upstream-overloaded": [503, "Upstream overloaded", "UPSTREAM_OVERLOADED"],
  "upstream-timeout": [504, "Upstream timeout", "UPSTREAM_TIMEOUT"],
} as const satisfies Record<string, readonly [number, string, string]>;

export type ProblemKind = keyof typeof problemKinds;

export const problemTypeBase = "https://trestle.dev/problems/";

/**
 * An `application/problem+json` answer (RFC 9457 §3). `members` are extension members
 * (`upstream`, a more precise `code`); `headers` are added to the answer (`Allow` on a 405).
 */
export function createProblemResponse(
  kind: ProblemKind,
  detail: string,
  members: Readonly<Record<string, unknown>> = {},
  headers: Readonly<Record<string, string>> = {},
): PassthroughAnswer {
  const [status, title, code] = problemKinds[kind];
  const body = JSON.stringify({ type: problemTypeBase + kind, title, status, detail, code, ...members });
  return {
    status,
    headers: {
      ...headers,
      "content-type": "application/problem+json",
      "content-length": String(Buffer.byteLength(body)),
      "cache-control": "no-store",
    },
    body,
  };
}

const kindByCode: Partial<Record<TrestleError["code"], ProblemKind>> = {
  BAD_USER_INPUT: "bad-request",
  REQUEST_TOO_LARGE: "request-too-large",
  REQUEST_TIMEOUT: "request-timeout",
  UPSTREAM_TIMEOUT: "upstream-timeout",
  UPSTREAM_UNAVAILABLE: "upstream-unavailable",
  UPSTREAM_CIRCUIT_OPEN: "upstream-unavailable",
  UPSTREAM_BAD_RESPONSE: "upstream-bad-response",
  UPSTREAM_OVERLOADED: "upstream-overloaded",
};

/**
 * The problem answer for an error raised while proxying. A TrestleError keeps its message
 * (written for clients) and names its upstream; anything else is "Unexpected error.". With
 * `debug`, the error's debug facts are added as a `debug` member.
 */
export function createProblemFromError(error: unknown, debug: boolean): PassthroughAnswer {
  if (!(error instanceof TrestleError)) {
    return createProblemResponse("internal-error", "Unexpected error.", debug ? { debug: { message: String(error) } } : {});
  }
  const kind = kindByCode[error.code] ?? "internal-error";
  const members: Record<string, unknown> = { code: error.code };
  const upstream = error instanceof UpstreamError ? error.upstream : error.extensions["upstream"];
  if (typeof upstream === "string") members["upstream"] = upstream;
  if (debug && Object.keys(error.debug).length > 0) members["debug"] = error.debug;
  return createProblemResponse(kind, kind === "internal-error" ? "Unexpected error." : error.message, members);
}

/**
 * The 404 or 405 for a request no passthrough route takes; `upstream` names the upstream when
 * the request reached one that is open for passthrough (a path no glob matches, a method not listed).
 */
export function createRouteProblem(route: Exclude<RouteMatch, { kind: "route" }>): PassthroughAnswer {
  const members = route.upstream === undefined ? {} : { upstream: route.upstream };
  return route.kind === "not-found"
    ? createProblemResponse("route-not-found", route.detail, members)
    : createProblemResponse("method-not-allowed", route.detail, members, { allow: route.allow });
}
