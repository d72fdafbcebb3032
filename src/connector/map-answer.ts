import { UpstreamError } from "../errors.js";
import type { UpstreamRequest } from "../upstream/upstream-request.js";
import type { UpstreamResponse } from "../upstream/upstream-client.js";

/** The JSON of a 2xx answer, or `notFound` for a 404 (which a nullable field turns into null). */
export type JsonAnswer = { notFound: false; data: unknown } | { notFound: true };

const jsonContentType = /^application\/(?:[\w.+-]*\+)?json\b|^text\/json\b/i;
const debugExcerptBytes = 1024;

/**
 * Maps an upstream answer to JSON or a typed error. Redirects are never followed, so a 3xx
 * is a bad answer; a non-2xx is UPSTREAM_ERROR with its status. Bodies of failed answers
 * only reach `debug`, never the client's message.
 */
export function readJsonAnswer(response: UpstreamResponse, request: UpstreamRequest): JsonAnswer {
  const { status } = response;
  const upstream = request.upstream.name;
  const debug = () => ({
    request: `${request.method} ${request.path}`,
    body: response.body.subarray(0, debugExcerptBytes).toString("utf8"),
  });
  if (status >= 200 && status < 300) return { notFound: false, data: parseJson(response, upstream, debug) };
  if (status === 404) return { notFound: true };
  if (status >= 300 && status < 400) {
    throw new UpstreamError(
      "UPSTREAM_BAD_RESPONSE",
      upstream,
      `Upstream "${upstream}" answered with a redirect (${status}); redirects are not followed.`,
      { status, debug: debug() },
    );
  }
  throw new UpstreamError("UPSTREAM_ERROR", upstream, `Upstream "${upstream}" answered ${status}.`, { status, debug: debug() });
}

/**
 * Parsed bodies, per response object: an answer shared by several fields (de-duplicated in an
 * operation, or served from the cache to many operations) is parsed once, and its value is
 * shared read-only (resolvers never mutate what they return).
 */
const parsed = new WeakMap<UpstreamResponse, unknown>();

function parseJson(response: UpstreamResponse, upstream: string, debug: () => Record<string, unknown>): unknown {
  if (parsed.has(response)) return parsed.get(response);
  const value = parseJsonOnce(response, upstream, debug);
  parsed.set(response, value);
  return value;
}

function parseJsonOnce(response: UpstreamResponse, upstream: string, debug: () => Record<string, unknown>): unknown {
  if (response.body.length === 0) return null;
  const type = response.headers["content-type"];
  if (type !== undefined && !jsonContentType.test(type)) {
    throw new UpstreamError("UPSTREAM_BAD_RESPONSE", upstream, `Upstream "${upstream}" answered with ${type.split(";")[0]}, not JSON.`, {
      status: response.status,
      debug: debug(),
    });
  }
  try {
    return JSON.parse(response.body.toString("utf8"));
  } catch (error) {
    throw new UpstreamError("UPSTREAM_BAD_RESPONSE", upstream, `Upstream "${upstream}" answered with malformed JSON.`, {
      status: response.status,
      cause: error,
      debug: debug(),
    });
  }
}
