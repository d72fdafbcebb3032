/**
 * Every default of `trestle serve`, in one place: the CLI applies them, `trestle serve --help`
 * prints them, and `test/docs/defaults.test.ts` checks that the docs quote the same numbers.
 */
export const serveDefaults = {
  port: 4000,
  host: "127.0.0.1",
  schema: "schema/",
  /** How long SIGTERM/SIGINT wait for in-flight requests before the rest are cut. */
  drainTimeoutMs: 10_000,
} as const;

/** How long `trestle serve` waits for a client's request (see docs/security.md, "Slow and malformed clients"). */
export interface ServeTimeouts {
  /** A client's time to send its request line and headers (slowloris, A21). @default 10000 */
  headersTimeoutMs: number;
  /** A client's time to send its whole request, body included (slow bodies, A22). @default 30000 */
  requestTimeoutMs: number;
  /** How often Node checks both timeouts; a late client is cut off within this much more. @default 1000 */
  checkIntervalMs: number;
}

export const defaultServeTimeouts: Readonly<ServeTimeouts> = { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, checkIntervalMs: 1_000 };
