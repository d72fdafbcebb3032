import { GraphQLError, type ExecutionResult, type OperationTypeNode } from "graphql";
import type { UpstreamCallRecord } from "../loader/operation-context.js";
import { buildCacheHeaders } from "./build-cache-headers.js";
import { hideSuggestions } from "./hide-suggestions.js";

/** A GraphQL result as it goes to the client: status, headers, JSON text. */
export interface ResultAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** What ran to make a result, when something ran: the operation's kind and its upstream reads. */
export interface ExecutedOperation {
  operation: OperationTypeNode | undefined;
  calls: readonly UpstreamCallRecord[];
}

/** Serialises one result for `mediaType` (one of the two JSON types {@link pickMediaType} returns). */
export type ResultStep = (mediaType: string, result: ExecutionResult, executed?: ExecutedOperation) => ResultAnswer;

export interface ResultStepOptions {
  showSuggestions: boolean;
  /** Set Cache-Control (and Vary) from a query's upstream reads (`cache.enabled`). */
  cacheControl: boolean;
}

const graphqlResponse = "application/graphql-response+json";
const contentTypes = new Map([graphqlResponse, "application/json"].map((type) => [type, `${type}; charset=utf-8`]));
/** Errors of a request the server could read but not run: 400 for graphql-response+json, 200 for application/json (GraphQL over HTTP §6.4). */
const requestErrorCodes = new Set(["GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED"]);
const unexpectedError = JSON.stringify({ errors: [{ message: "Unexpected error.", extensions: { code: "INTERNAL_SERVER_ERROR" } }] });

/**
 * The last step of every GraphQL answer, the fast route's and yoga's alike (yoga reaches it
 * through `onResultProcess`): request errors get their code, the status follows one rule set,
 * transport hints are stripped from what the client sees.
 *
 * - A request whose variables cannot be coerced (or whose operation cannot be picked) is
 *   `BAD_USER_INPUT`, HTTP 400 whatever the media type, "Did you mean…" hidden outside development.
 * - With `data`: 200. Without: the highest status of its errors — parse and validation errors
 *   400 for `application/graphql-response+json` and 200 for `application/json`, an error's own
 *   `extensions.http.status` (the limits' 400, malformed parameters' 400, yoga's 405/413/415),
 *   `BAD_USER_INPUT` 400, anything else (a masked internal error) 500.
 * - Cache-Control (RFC 9111 §5.2.2), with `cacheControl`: a query without errors whose every
 *   upstream read was answered from, or stored in, the shared cache as public gets
 *   `public, max-age=N`, N the least freshness left among them, and `Vary` naming the client
 *   headers those answers depend on (S04). None for mutations and subscriptions, results with
 *   errors, operations that read nothing upstream, or any read per identity, uncacheable or stale.
 */
export function createResultStep(options: ResultStepOptions): ResultStep {
  return (mediaType, result, executed) => {
    const errors =
      result.data === undefined && result.errors !== undefined
        ? result.errors.map((error) => asRequestError(error, options.showSuggestions))
        : result.errors;
    let status = 200;
    const headers: Record<string, string> = { "content-type": contentTypes.get(mediaType) ?? `${mediaType}; charset=utf-8` };
    if (result.data === undefined && errors !== undefined && errors.length > 0) {
      status = 0;
      for (const error of errors) {
        status = Math.max(status, statusOf(error, mediaType));
        const extra = (error.extensions?.["http"] as { headers?: Record<string, string> } | undefined)?.headers;
        if (extra !== undefined) for (const name in extra) headers[name.toLowerCase()] = extra[name]!;
      }
    }
    if (options.cacheControl && executed?.operation === "query" && result.data != null && !errors?.length) {
      const cacheHeaders = buildCacheHeaders(executed.calls);
      if (cacheHeaders !== null) Object.assign(headers, cacheHeaders);
    }
    const body: Record<string, unknown> = {};
    if (errors !== undefined) body["errors"] = errors.map(toClientError);
    if (result.data !== undefined) body["data"] = result.data;
    const extensions = withoutHttp(result.extensions);
    if (extensions !== undefined) body["extensions"] = extensions;
    try {
      return { status, headers, body: JSON.stringify(body) };
    } catch {
      // A result JSON cannot write (an upstream value nested past the stack's depth): masked.
      return { status: 500, headers, body: unexpectedError };
    }
  };
}

/** Accept headers seen, and their pick: clients send a handful of spellings, each read once (at most `maxPicks` kept). */
const picks = new Map<string, string | undefined>();
const maxPicks = 64;

/** GraphQL over HTTP §6.4.1: the first JSON type the client accepts; none listed means JSON. Undefined: not ours to answer. */
export function pickMediaType(accept: string | null | undefined): string | undefined {
  if (!accept) return "application/json";
  if (picks.has(accept)) return picks.get(accept);
  const picked = readMediaType(accept);
  if (picks.size < maxPicks && accept.length <= 256) picks.set(accept, picked);
  return picked;
}

function readMediaType(accept: string): string | undefined {
  for (const part of accept.split(",")) {
    const type = (part.split(";")[0] ?? "").trim().toLowerCase();
    if (type === graphqlResponse || type === "application/json") return type;
    if (type === "*/*" || type === "application/*") return "application/json";
  }
  return undefined;
}

function statusOf(error: GraphQLError, mediaType: string): number {
  const code = error.extensions?.["code"];
  if (typeof code === "string" && requestErrorCodes.has(code)) return mediaType === graphqlResponse ? 400 : 200;
  const http = (error.extensions?.["http"] as { status?: unknown } | undefined)?.status;
  if (typeof http === "number") return http;
  return code === "BAD_USER_INPUT" ? 400 : 500;
}

/**
 * An error graphql-js raised before running anything (no `data`), with no code and no cause
 * but another GraphQL error: the variables did not coerce, or the operation could not be picked.
 */
export function asRequestError(error: GraphQLError, showSuggestions: boolean): GraphQLError {
  if (error.extensions?.["code"] !== undefined || (error.originalError != null && !(error.originalError instanceof GraphQLError)))
    return error;
  const coded = new GraphQLError(error.message, {
    nodes: error.nodes ?? null,
    source: error.source ?? null,
    positions: error.positions ?? null,
    path: error.path ?? null,
    extensions: { ...error.extensions, code: "BAD_USER_INPUT" },
  });
  if (coded.locations === undefined && error.locations !== undefined)
    (coded as { locations?: GraphQLError["locations"] }).locations = error.locations;
  return showSuggestions ? coded : hideSuggestions(coded);
}

/** The error as clients see it: no transport hints (`http`) or internal markers. */
export function toClientError(error: GraphQLError): unknown {
  const json = typeof error.toJSON === "function" ? error.toJSON() : (error as unknown as ReturnType<GraphQLError["toJSON"]>);
  if (json.extensions === undefined) return json;
  const { http: _http, unexpected: _unexpected, ...extensions } = json.extensions;
  if (Object.keys(extensions).length === 0) {
    const { extensions: _all, ...rest } = json;
    return rest;
  }
  return { ...json, extensions };
}

export function withoutHttp(extensions: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (extensions === undefined || !("http" in extensions)) return extensions;
  const { http: _http, ...rest } = extensions;
  return Object.keys(rest).length > 0 ? rest : undefined;
}
