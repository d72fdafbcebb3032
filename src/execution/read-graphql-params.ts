import { GraphQLError } from "graphql";
import type { GraphQLParams } from "graphql-yoga";

/**
 * GraphQL over HTTP request parameters, read from a URL query (GET, §6.1) or a URL-encoded
 * form: `variables` and `extensions` are JSON text there. Text that is not JSON, or JSON that
 * is not an object, is the client's mistake: 400 BAD_REQUEST naming the parameter and echoing
 * the start of what came, never an internal error with a stack in the log.
 */
export function readSearchParams(search: URLSearchParams): GraphQLParams {
  return paramsOf(searchTexts(search));
}

/** The four GraphQL parameters of a URL query, decoded (null when absent). */
interface SearchTexts {
  readonly query: string | null;
  readonly operationName: string | null;
  readonly variables: string | null;
  readonly extensions: string | null;
}

function searchTexts(search: URLSearchParams): SearchTexts {
  return {
    query: search.get("query"),
    operationName: search.get("operationName"),
    variables: search.get("variables"),
    extensions: search.get("extensions"),
  };
}

/** Parameters from their texts: `variables` and `extensions` parsed (a new object each time: a request may not share another's). */
function paramsOf(texts: SearchTexts): GraphQLParams {
  const params: Record<string, unknown> = {};
  if (texts.query) params["query"] = texts.query;
  if (texts.operationName) params["operationName"] = texts.operationName;
  if (texts.variables) params["variables"] = parseJsonParam("variables", texts.variables);
  if (texts.extensions) params["extensions"] = parseJsonParam("extensions", texts.extensions);
  return checkParams(params);
}

/**
 * The parameters of a JSON POST body (§6.2): an object whose `variables` and `extensions`
 * are objects or null. An array is returned as it is (yoga refuses batches); invalid JSON is
 * refused in yoga's own words, without the JSON parser's error attached.
 */
export function readJsonParams(text: string): GraphQLParams | GraphQLParams[] {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw createParamsError("POST body sent invalid JSON.");
  }
  if (Array.isArray(body)) return body as GraphQLParams[];
  if (body === null || typeof body !== "object")
    throw createParamsError(`POST body is expected to be object but received ${body === null ? "null" : typeof body}`);
  return checkParams(body as Record<string, unknown>);
}

/** `variables` and `extensions` are maps (or absent, or null): anything else is named and echoed. */
function checkParams(params: Record<string, unknown>): GraphQLParams {
  for (const name of ["variables", "extensions"] as const) {
    const value = params[name];
    if (value === undefined || value === null || (typeof value === "object" && !Array.isArray(value))) continue;
    throw createParamsError(`The "${name}" parameter must be a JSON object or null; received ${describe(value)}.`);
  }
  return params as GraphQLParams;
}

function parseJsonParam(name: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw createParamsError(`The "${name}" parameter must be a JSON object; received ${echo(text)}, which is not JSON.`);
  }
}

/**
 * A 400 whatever the media type: a request the server cannot read is not a GraphQL response
 * (GraphQL over HTTP §7, "JSON parsing failure"; yoga got there through the parser's error).
 */
function createParamsError(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "BAD_REQUEST", http: { status: 400 } } });
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return `the string ${echo(value)}`;
  return `the ${typeof value} ${String(value).slice(0, 40)}`;
}

/** The start of a client's text, quoted: enough to recognise, never a whole payload. */
function echo(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

/** GraphQL parameters a lane can run: the document text, and its variables and operation name when given. */
export interface OperationParams {
  query: string;
  variables: Record<string, unknown> | undefined;
  operationName: string | undefined;
}

/**
 * The parameters of a request body (a JSON POST's, or a GET's query as readTargetParams read it),
 * when they are well formed: `query` text, `variables` and `extensions` maps (or absent or null),
 * `operationName` text. Undefined otherwise: yoga's route answers, in its own words.
 */
export function readOperationParams(body: unknown): OperationParams | undefined {
  if (body === null || typeof body !== "object" || Array.isArray(body)) return undefined;
  const { query, variables, operationName, extensions } = body as Record<string, unknown>;
  if (typeof query !== "string" || !isMapOrNone(variables) || !isMapOrNone(extensions)) return undefined;
  if (operationName !== undefined && operationName !== null && typeof operationName !== "string") return undefined;
  return {
    query,
    variables: (variables as Record<string, unknown> | null) ?? undefined,
    operationName: (operationName as string | null) ?? undefined,
  };
}

/** A GET's GraphQL parameters from its request target's query string; undefined when it has none or they are malformed. */
export function readTargetParams(target: string): Record<string, unknown> | undefined {
  const at = target.indexOf("?");
  if (at === -1) return undefined;
  const search = target.slice(at + 1);
  // A repeated query string (the same query and variables again: what the result cache answers) is decoded once.
  let texts = searches.get(search);
  if (texts === undefined) {
    texts = searchTexts(new URLSearchParams(search));
    if (search.length <= maxRememberedSearch) {
      if (searches.size >= maxRememberedSearches) searches.clear();
      searches.set(search, texts);
    }
  }
  try {
    return paramsOf(texts) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** Decoded query strings kept (at most this many, each at most this long): a new one past the count starts afresh. */
const maxRememberedSearches = 256;
const maxRememberedSearch = 2048;
const searches = new Map<string, SearchTexts>();

function isMapOrNone(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === "object" && !Array.isArray(value));
}
