import type { ErrorExposurePlan, UpstreamPlan } from "../plan/schema-plan.js";
import type { UpstreamResponse } from "../upstream/upstream-client.js";
import { maxDetailsBytes, sanitizeDetails, sanitizeString, secretsOf, type RedactionRules } from "./sanitize-details.js";

/** What a failed answer may show the client: `extensions.details`, and a line for the message. */
export interface ErrorDetails {
  /** Sanitised JSON (see sanitize-details.ts). */
  details: unknown;
  /** Something was cut to fit (`extensions.detailsTruncated`). */
  truncated: boolean;
  /** The first message of the details, for the error's message; undefined when they have none. */
  summary: string | undefined;
}

/** JSON media types, `+json` suffixes (problem+json) included. */
export const jsonContentType = /^application\/(?:[\w.+-]*\+)?json\b|^text\/json\b/i;
const problemType = /^application\/problem\+json\b/i;
/** Members of a FastAPI/Pydantic validation item shown; `input` (it echoes what was sent, maybe big) and `url` (Pydantic's docs) are not. */
const pydanticMembers = ["loc", "msg", "type", "ctx"] as const;
const maxSummaryLength = 200;
const maxListItems = maxDetailsBytes / 2;

/**
 * The details of a failed answer whose status the schema exposes (`errors: { expose }`), read
 * from its JSON body: an RFC 9457 problem (`application/problem+json`) whole, but an absolute
 * `instance` URL; otherwise the value at the `detail` path, with FastAPI/Pydantic validation
 * items (v1 `{loc, msg, type, ctx?}`, v2 with `input`, `url`) kept to loc, msg, type and ctx.
 * Undefined when the status is not exposed, the body is not JSON, or the path holds nothing.
 */
export function readErrorDetails(
  response: UpstreamResponse,
  request: { upstream: UpstreamPlan; headers: Readonly<Record<string, string>> },
  exposure: ErrorExposurePlan | undefined,
): ErrorDetails | undefined {
  const { status } = response;
  if (exposure === undefined || status < 400 || status > 499 || !exposure.statuses.has(status)) return undefined;
  const type = response.headers["content-type"];
  if (response.body.length === 0 || (type !== undefined && !jsonContentType.test(type))) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(response.body.toString("utf8"));
  } catch {
    return undefined;
  }
  const rules: RedactionRules = {
    upstreamHost: new URL(request.upstream.origin).hostname.toLowerCase().replace(/^\[|\]$/g, ""),
    secrets: secretsOf(request.headers),
  };
  if (type !== undefined && problemType.test(type) && isObject(body)) {
    const problem = withoutAbsoluteInstance(body);
    const { value, truncated } = sanitizeDetails(problem, rules);
    return { details: value, truncated, summary: summarize(problemSummary(value), rules) };
  }
  const raw = readOwnPath(body, exposure.detail);
  if (raw === undefined) return undefined;
  // No more items than could fit in the cap (2 bytes each at the least) are looked at.
  const head: unknown = Array.isArray(raw) ? raw.slice(0, maxListItems) : undefined;
  const shaped = isValidationList(head) ? head.map(pickPydanticMembers) : raw;
  const { value, truncated } = sanitizeDetails(shaped, rules);
  return { details: value, truncated, summary: summarize(firstMessage(value), rules) };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Follows own members only: a path never reaches `Object.prototype`. */
function readOwnPath(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== "object" || current === null || !Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** FastAPI's validation error list: every item has `loc` (a list), `msg` and `type` (strings). */
function isValidationList(value: unknown): value is Record<string, unknown>[] {
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every(
      (item) => isObject(item) && Array.isArray(item["loc"]) && typeof item["msg"] === "string" && typeof item["type"] === "string",
    )
  );
}

function pickPydanticMembers(item: Record<string, unknown>): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const key of pydanticMembers) if (Object.hasOwn(item, key)) picked[key] = item[key];
  return picked;
}

/** RFC 9457 §3.1.5: `instance` may be an absolute URL of the upstream's own; a relative reference stays. */
function withoutAbsoluteInstance(problem: Record<string, unknown>): Record<string, unknown> {
  const instance = problem["instance"];
  if (typeof instance !== "string" || !/^[a-z][a-z0-9+.-]*:/i.test(instance)) return problem;
  const { instance: _dropped, ...rest } = problem;
  return rest;
}

/** RFC 9457 §3.1: `detail` explains this occurrence, `title` the kind of problem. */
function problemSummary(problem: unknown): string | undefined {
  if (!isObject(problem)) return undefined;
  const title = typeof problem["title"] === "string" ? problem["title"] : undefined;
  const detail = typeof problem["detail"] === "string" ? problem["detail"] : undefined;
  return detail ?? title;
}

/** A string detail is its own message; a validation list gives its first item's, with where. */
function firstMessage(details: unknown): string | undefined {
  if (typeof details === "string") return details;
  const first = Array.isArray(details) ? details[0] : undefined;
  if (!isObject(first) || typeof first["msg"] !== "string") return undefined;
  const loc = Array.isArray(first["loc"]) ? first["loc"].join(".") : "";
  return loc === "" ? first["msg"] : `${first["msg"]} (at ${loc})`;
}

/** One line, short, with no address: it goes into the error's message. */
function summarize(text: string | undefined, rules: RedactionRules): string | undefined {
  if (text === undefined) return undefined;
  const line = text.replace(/[\u0000-\u001f\u007f]+/g, " ").trim();
  return line === "" ? undefined : sanitizeString(line, rules, maxSummaryLength).text;
}
