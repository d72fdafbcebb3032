import { UpstreamError } from "../errors.js";
import type { ErrorExposurePlan } from "../plan/schema-plan.js";
import type { UpstreamRequest } from "../upstream/upstream-request.js";
import type { UpstreamResponse } from "../upstream/upstream-client.js";
import { jsonContentType, readErrorDetails } from "./read-error-details.js";

/** The JSON of a 2xx answer, or `notFound` for a 404 (which a nullable field turns into null). */
export type JsonAnswer = { notFound: false; data: unknown } | { notFound: true };

const debugExcerptBytes = 1024;

/**
 * Maps an upstream answer to JSON or a typed error. Redirects are never followed, so a 3xx
 * is a bad answer; a non-2xx is UPSTREAM_ERROR with its status (see failedAnswer). A 404 is
 * left to the caller: null for a nullable read, an error otherwise.
 */
export function readJsonAnswer(response: UpstreamResponse, request: UpstreamRequest, errors?: ErrorExposurePlan): JsonAnswer {
  const { status } = response;
  const upstream = request.upstream.name;
  if (status >= 200 && status < 300) return { notFound: false, data: parseJson(response, request) };
  if (status === 404) return { notFound: true };
  if (status >= 300 && status < 400) {
    throw new UpstreamError(
      "UPSTREAM_BAD_RESPONSE",
      upstream,
      `Upstream "${upstream}" answered with a redirect (${status}); redirects are not followed.`,
      { status, debug: debugOf(response, request) },
    );
  }
  throw failedAnswer(response, request, errors);
}

/**
 * UPSTREAM_ERROR for a non-2xx answer; `what` (" for non-null field Query.x") says which
 * field could not take it. The body reaches `debug` only, unless the schema exposes its
 * status (`errors: { expose }`, 4xx only): its details then go to `extensions.details`,
 * sanitised, and their first message to the error's message.
 */
export function failedAnswer(response: UpstreamResponse, request: UpstreamRequest, errors?: ErrorExposurePlan, what = ""): UpstreamError {
  const { status } = response;
  const upstream = request.upstream.name;
  const shown = readErrorDetails(response, request, errors);
  const extensions: Record<string, unknown> = {};
  if (shown !== undefined) extensions["details"] = shown.details;
  if (shown?.truncated === true) extensions["detailsTruncated"] = true;
  const summary = shown?.summary === undefined ? "." : `: ${shown.summary}`;
  return new UpstreamError("UPSTREAM_ERROR", upstream, `Upstream "${upstream}" answered ${status}${what}${summary}`, {
    status,
    extensions,
    debug: debugOf(response, request),
  });
}

function debugOf(response: UpstreamResponse, request: UpstreamRequest): Record<string, unknown> {
  return { request: `${request.method} ${request.path}`, body: response.body.subarray(0, debugExcerptBytes).toString("utf8") };
}

/**
 * Parsed bodies of reads, per response object: an answer shared by several fields (de-duplicated
 * in an operation, or served from the cache to many operations) is parsed once, and its value is
 * shared read-only (resolvers never mutate what they return).
 */
const parsed = new WeakMap<UpstreamResponse, unknown>();

function parseJson(response: UpstreamResponse, request: UpstreamRequest): unknown {
  // A write's answer is its caller's alone (writes are never de-duplicated or cached): parsed without the memo.
  if (request.method !== "GET" && request.method !== "HEAD") return parseJsonOnce(response, request);
  if (parsed.has(response)) return parsed.get(response);
  const value = parseJsonOnce(response, request);
  parsed.set(response, value);
  return value;
}

function parseJsonOnce(response: UpstreamResponse, request: UpstreamRequest): unknown {
  const upstream = request.upstream.name;
  if (response.body.length === 0) return null;
  const type = response.headers["content-type"];
  if (type !== undefined && !jsonContentType.test(type)) {
    throw new UpstreamError("UPSTREAM_BAD_RESPONSE", upstream, `Upstream "${upstream}" answered with ${type.split(";")[0]}, not JSON.`, {
      status: response.status,
      debug: debugOf(response, request),
    });
  }
  try {
    return JSON.parse(response.body.toString("utf8"));
  } catch (error) {
    throw new UpstreamError("UPSTREAM_BAD_RESPONSE", upstream, `Upstream "${upstream}" answered with malformed JSON.`, {
      status: response.status,
      cause: error,
      debug: debugOf(response, request),
    });
  }
}
