import { pino, type Logger } from "pino";

export interface LogLine {
  level: number;
  time: number;
  msg: string;
  [field: string]: unknown;
}

export interface CapturedLogs {
  /** A real pino logger writing JSON lines to memory. */
  logger: Logger;
  /** Every line written so far, as written. */
  raw: string[];
  /** The lines parsed. */
  lines(): LogLine[];
  /** The request lines (those with a `route`). */
  requests(): LogLine[];
  /** Resolves once `n` request lines have been written (at once if they have). */
  waitForRequests(n: number): Promise<LogLine[]>;
}

/** A pino instance at `trace` level whose destination is an array: what a test reads back. */
export function captureLogs(level = "trace"): CapturedLogs {
  const raw: string[] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const lines = () => raw.map((line) => JSON.parse(line) as LogLine);
  const requests = () => lines().filter((line) => typeof line["route"] === "string");
  const logger = pino(
    { level },
    {
      write(line: string) {
        raw.push(line);
        const count = requests().length;
        for (let i = waiters.length - 1; i >= 0; i--) if (count >= waiters[i]!.n) waiters.splice(i, 1)[0]!.resolve();
      },
    },
  );
  return {
    logger,
    raw,
    lines,
    requests,
    waitForRequests: (n) =>
      new Promise<LogLine[]>((resolve) => {
        if (requests().length >= n) resolve(requests());
        else waiters.push({ n, resolve: () => resolve(requests()) });
      }),
  };
}
