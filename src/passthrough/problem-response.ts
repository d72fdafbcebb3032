import { TrestleError, UpstreamError } from "../errors.js";
import type { Answer as PassthroughAnswer } from "../http/answer.js";

/**
 * The kinds of problem the passthrough route answers with, each an RFC 9457 problem type:
 * `type` is `https://trestle.dev/problems/<kind>`, `title` the same for every occurrence,
 * `detail` this occurrence. Nothing internal (upstream URLs, socket errors, stacks) goes in.
 */
const problemKinds = {
  "invalid-request-target": [400, "Invalid request target"],
  "bad-request": [400, "Bad request"],
  "route-not-found": [404, "No passthrough route"],
  "method-not-allowed": [405, "Method not allowed"],
  "request-timeout": [408, "Request timeout"],
  "request-too-large": [413, "Request body too large"],
  "uri-too-long": [414, "Request target too long"],
  "internal-error": [500, "Internal error"],
  "upstream-unavailable": [502, "Upstream unavailable"],
  "upstream-bad-response": [502, "Bad upstream response"],
  "upstream-overloaded": [503, "Upstream overloaded"],
  "upstream-timeout": [504, "Upstream timeout"],
} as const satisfies Record<string, readonly [number, string]>;

export type ProblemKind = keyof typeof problemKinds;

export const problemTypeBase = "https://trestle.dev/problems/";

/**
 * An `application/problem+json` answer (RFC 9457 §3). `members` are extension members
 * (`upstream`, `allow`); `headers` are added to the answer (`Allow` on a 405).
 */
export function createProblemResponse(
  kind: ProblemKind,
  detail: string,
  members: Readonly<Record<string, unknown>> = {},
  headers: Readonly<Record<string, string>> = {},
): PassthroughAnswer {
  const [status, title] = problemKinds[kind];
  const body = JSON.stringify({ type: problemTypeBase + kind, title, status, detail, ...members });
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
