import { pino, type Logger } from "pino";
import { createLineBuffer } from "./create-line-buffer.js";
import { attachLineWriter } from "./line-writer.js";

/** The levels `--log-level` takes: pino's, and `silent` for none. */
export const logLevels = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;

/**
 * `trestle serve`'s logger: pino, one JSON line per message written through `write` (the CLI's
 * stdout) in batches, one write per event-loop turn (createLineBuffer), at `level` (`--log-level`, else TRESTLE_LOG_LEVEL, else info). A level it does not
 * know is an error message naming the ones it does.
 */
export function createServeLogger(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  write: (line: string) => void,
): Logger | string {
  const level = flag ?? (env["TRESTLE_LOG_LEVEL"] || "info");
  if (!(logLevels as readonly string[]).includes(level))
    return `trestle serve: ${flag === undefined ? "TRESTLE_LOG_LEVEL" : "--log-level"} must be one of ${logLevels.join(", ")}, received ${JSON.stringify(level)}`;
  const lines = createLineBuffer(write);
  const logger = pino({ level }, lines);
  // The per-request line skips pino's general path (the same text: line-writer.ts).
  attachLineWriter(logger, lines.write);
  return logger;
}
