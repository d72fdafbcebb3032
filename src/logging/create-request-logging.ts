import type { Plugin, YogaLogger } from "graphql-yoga";
import { createRequestLogger, type RequestLogger, type RequestLoggerOptions } from "./create-request-logger.js";
import type { PinoLike } from "./pino-like.js";
import { useRequestLog } from "./use-request-log.js";
import { yogaLogger } from "./yoga-logger.js";

export interface RequestLogging {
  /** The per-request lines, when a logger is given. */
  requests: RequestLogger | undefined;
  /** graphql-yoga's `logging` option: `logging` when given, else the logger's methods, else yoga's console logger. */
  yoga: boolean | YogaLogger;
  /** The yoga plugin that names the operation in the line, for each schema's yoga (none without a logger). */
  plugins: readonly Plugin[];
}

/**
 * Trestle's logging from its options: with a `logger`, one line per request (and yoga's
 * plugin that names the operation, in `plugins`), and yoga's own messages go to it
 * too unless `logging` says otherwise. Without one, no request is logged: an embedding app
 * has its own access log, and a library that prints on its own is one more thing to silence.
 */
export function createRequestLogging(
  logger: PinoLike | false | undefined,
  logging: boolean | undefined,
  options: Omit<RequestLoggerOptions, "logger">,
): RequestLogging {
  if (logger === undefined || logger === false) return { requests: undefined, yoga: logging ?? true, plugins: [] };
  if (logger.level === "silent") return { requests: undefined, yoga: logging ?? false, plugins: [] };
  return {
    requests: createRequestLogger({ ...options, logger }),
    yoga: logging === false ? false : yogaLogger(logger),
    plugins: [useRequestLog()],
  };
}
