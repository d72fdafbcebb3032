import type { YogaLogger } from "graphql-yoga";
import type { PinoLike } from "./pino-like.js";

/**
 * graphql-yoga's messages through a pino-like logger, as `{ source: "yoga" }` lines. Errors
 * are logged by name, code and message: never a stack (it can carry values), never the
 * error's other fields; other objects by their kind only.
 */
export function yogaLogger(logger: PinoLike): YogaLogger {
  const line =
    (level: "info" | "warn" | "error") =>
    (...args: unknown[]): void => {
      logger[level]({ source: "yoga" }, args.map(describe).join(" "));
    };
  return {
    debug: (...args: unknown[]) => logger.debug?.({ source: "yoga" }, args.map(describe).join(" ")),
    info: line("info"),
    warn: line("warn"),
    error: line("error"),
  };
}

function describe(value: unknown): string {
  if (value instanceof Error) {
    const code = (value as { code?: unknown; extensions?: { code?: unknown } }).extensions?.code ?? (value as { code?: unknown }).code;
    return `${value.name}${typeof code === "string" ? ` [${code}]` : ""}: ${value.message}`;
  }
  // Objects (request parameters, results) can hold variables: only their kind is told.
  return typeof value === "string" || typeof value === "number" || typeof value === "boolean" ? String(value) : `[${typeof value}]`;
}
