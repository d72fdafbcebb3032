import type { Answer } from "../http/answer.js";
import { problemTypeBase } from "../passthrough/problem-response.js";

/**
 * The problems /api answers with, RFC 9457 problem types under the passthrough's base
 * (`https://trestle.dev/problems/<kind>`): status and title, the same for every occurrence.
 */
const problemKinds = {
  400: ["bad-request", "Bad request"],
  403: ["forbidden", "Forbidden"],
  404: ["operation-not-found", "No such operation"],
  405: ["method-not-allowed", "Method not allowed"],
  413: ["request-too-large", "Request body too large"],
  415: ["unsupported-media-type", "Unsupported media type"],
  429: ["too-many-requests", "Too many requests"],
  500: ["internal-error", "Internal error"],
  502: ["upstream-error", "Bad upstream answer"],
  503: ["upstream-unavailable", "Upstream unavailable"],
  504: ["upstream-timeout", "Upstream timeout"],
} as const satisfies Record<number, readonly [string, string]>;

export type ProblemStatus = keyof typeof problemKinds;

/**
 * An `application/problem+json` answer (RFC 9457 §3): `type`, `title`, `status`, `detail`, then
 * the extension members (`errors`: the GraphQL errors with their codes; `data`: the partial
 * result). Never stored by a cache.
 */
export function problemAnswer(
  status: ProblemStatus,
  detail: string,
  members: Readonly<Record<string, unknown>> = {},
  headers: Readonly<Record<string, string>> = {},
): Answer {
  const [kind, title] = problemKinds[status];
  const body = JSON.stringify({ type: problemTypeBase + kind, title, status, detail, ...members });
  return { status, headers: { ...headers, "content-type": "application/problem+json", "cache-control": "no-store" }, body };
}

/** A problem whose one GraphQL error carries `code` and the detail as its message (a request refused before it ran). */
export function requestProblem(
  status: ProblemStatus,
  code: string,
  detail: string,
  headers: Readonly<Record<string, string>> = {},
): Answer {
  return problemAnswer(status, detail, { errors: [{ message: detail, extensions: { code } }] }, headers);
}

/** The problem status for a result with errors: the first error's class, else the engine's status. */
export function problemStatusOf(errors: readonly ClientError[], engineStatus: number): ProblemStatus {
  const extensions = errors[0]?.extensions ?? {};
  const code = typeof extensions["code"] === "string" ? extensions["code"] : "";
  if (code === "UPSTREAM_TIMEOUT") return 504;
  if (code === "UPSTREAM_CIRCUIT_OPEN" || code === "UPSTREAM_OVERLOADED") return 503;
  if (code === "UPSTREAM_ERROR" && extensions["status"] === 429) return 429;
  if (code.startsWith("UPSTREAM_")) return 502;
  if (code === "REQUEST_TOO_LARGE") return 413;
  if (code === "BAD_USER_INPUT" || code === "COST_LIMIT" || code.endsWith("_LIMIT")) return 400;
  return engineStatus in problemKinds && engineStatus >= 400 ? (engineStatus as ProblemStatus) : 500;
}

/** A GraphQL error as the engine's result step wrote it for clients. */
export interface ClientError {
  message: string;
  extensions?: Record<string, unknown>;
  [member: string]: unknown;
}
