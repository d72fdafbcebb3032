import type { PinoLike } from "./pino-like.js";
import { RequestLog, type LoggedCall } from "./request-log.js";
import { jsonFields, lineWriterOf } from "./line-writer.js";

/** What the line reads of a request (an Exchange). */
export interface LoggedRequest {
  readonly method: string;
  readonly pathname: string;
  readonly headers: { get(name: string): string | null };
}

/** What the line reads of an answer (an Answer). */
export interface LoggedAnswer {
  readonly headers: Readonly<Record<string, string | string[]>>;
  readonly body: unknown;
}

/** One request's log line: made by the route table around every route (see docs/logging.md). */
export interface RequestLogger {
  /** The record a request fills as it runs (attached to its Exchange). */
  start(): RequestLog;
  /** The answer a route made: kept (a reference) for an error answer's code. */
  answered(log: RequestLog, answer: LoggedAnswer): void;
  /** Writes the line. `route` is the route table's name; `ms` the time to answer. */
  end(exchange: LoggedRequest, log: RequestLog, route: string, status: number, ms: number): void;
}

export interface RequestLoggerOptions {
  logger: PinoLike;
  /** The normalized prefix: `<prefix>/healthz` and the like are logged as the `health` route. */
  prefix: string;
  /** Whether a name is a declared upstream's (of the schema serving now): a passthrough line names its upstream only then. */
  isUpstream(name: string): boolean;
}

/** The line's level (pino's number and method) and message, by outcome. */
const failedLine = { level: 50, name: "error", message: "request failed" } as const;
const warnedLine = { level: 40, name: "warn", message: "request with failed upstream calls" } as const;
const completedLine = { level: 30, name: "info", message: "request completed" } as const;

/** A stable code: upper-case letters, digits and underscores (`UPSTREAM_TIMEOUT`). */
const codeValue = /"code"\s*:\s*"([A-Z][A-Z0-9_]{0,63})"/;
/** A request id worth logging: a short token (a UUID, a ULID...), never an arbitrary header value. */
const requestIdValue = /^[A-Za-z0-9._:-]{1,64}$/;
/** Error bodies past this are not scanned for a code. */
const maxScannedBytes = 16_384;

/**
 * The per-request log line: time, level and msg (pino's), method, route (graphql, passthrough,
 * api, mcp, health, other; for passthrough the upstream's name), status, duration, operation
 * name, upstream calls, cache results by status, trace id and request id when there are some,
 * and an error's code (the answer's own, else the failed call's). Only names, counts and codes: never paths with ids, query
 * strings, header values (but a token-shaped `x-request-id`), variables or document text.
 * Levels: `error` for a 5xx, `warn` when an upstream call failed (an error code, or a 5xx),
 * `info` otherwise (4xx included: a client's mistake is not the server's).
 */
export function createRequestLogger(options: RequestLoggerOptions): RequestLogger {
  const { logger, prefix } = options;
  const health = new Set([`${prefix}/healthz`, `${prefix}/readyz`, `${prefix}/metrics`]);
  const rest = `${prefix}/rest/`;
  // `trestle serve`'s own pino logger: its lines written directly (line-writer.ts).
  const fast = lineWriterOf(logger);
  return {
    start: () => new RequestLog(),
    answered(log, answer) {
      if (typeof answer.body !== "string" || answer.body.length > maxScannedBytes) return;
      log.body = answer.body;
      log.problem = String(answer.headers["content-type"]).startsWith("application/problem+json");
    },
    end(exchange, log, route, status, ms) {
      const line: Record<string, unknown> = { method: exchange.method, route, status, ms: Math.round(ms * 10) / 10 };
      if (route === "other" && health.has(exchange.pathname)) line["route"] = "health";
      else if (route === "passthrough" && exchange.pathname.startsWith(rest)) {
        const name = exchange.pathname.slice(rest.length).split("/", 1)[0]!;
        if (options.isUpstream(name)) line["upstream"] = name;
      }
      if (log.operation !== undefined) line["operation"] = log.operation;
      if (log.operationCache !== undefined) line["operationCache"] = log.operationCache;
      const failed = log.calls === undefined ? undefined : countCalls(log.calls, line);
      if (log.traceId !== undefined) line["traceId"] = log.traceId;
      const requestId = exchange.headers.get("x-request-id");
      if (requestId !== null && requestIdValue.test(requestId)) line["requestId"] = requestId;
      // An error answer's own code (Trestle's text: a problem's `code`, GraphQL's `extensions.code`).
      // A passthrough answer is the upstream's but for Trestle's problems: its text is never read.
      const own = log.body !== undefined && (route !== "passthrough" || log.problem);
      const code = own && (status >= 400 || failed !== undefined) ? (codeValue.exec(log.body!)?.[1] ?? failed) : failed;
      if (code !== undefined) line["code"] = code;
      // A logger that throws never fails the request it reports.
      const { level, name, message } = status >= 500 ? failedLine : failed !== undefined ? warnedLine : completedLine;
      try {
        if (fast !== undefined) fast(level, jsonFields(line), message);
        else logger[name](line, message);
      } catch {
        // Nothing to report it to.
      }
    },
  };
}

/**
 * Adds `calls` (how many) and `cache` (results by status) to the line; returns the code of the
 * first call that failed (its error code, or UPSTREAM_ERROR for a 5xx), if one did.
 */
function countCalls(lists: readonly (readonly LoggedCall[])[], line: Record<string, unknown>): string | undefined {
  let count = 0;
  let cache: Record<string, number> | undefined;
  let failed: string | undefined;
  for (const calls of lists)
    for (const call of calls) {
      count++;
      const result = call.cache?.status;
      if (result !== undefined && result !== "bypass") (cache ??= {})[result] = (cache[result] ?? 0) + 1;
      if (failed === undefined && (typeof call.status === "string" || call.status >= 500))
        failed = typeof call.status === "string" ? call.status : "UPSTREAM_ERROR";
    }
  line["calls"] = count;
  if (cache !== undefined) line["cache"] = cache;
  return failed;
}
