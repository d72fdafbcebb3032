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

/** `trestle serve --workers`: replacing workers that die, and the messages between the primary and its workers. */
export const workerDefaults = {
  /** Restarts counted over this window for the restart-storm guard, ms. */
  restartWindowMs: 10_000,
  /** More restarts than this (per worker) within the window: the next one waits. */
  restartsPerWorker: 3,
  /** The first wait of the guard, doubled each time it holds a restart back, up to `restartBackoffMaxMs`. */
  restartBackoffMs: 1_000,
  restartBackoffMaxMs: 30_000,
  /** How long a worker waits for the primary's aggregated `/metrics` before answering with its own. */
  metricsTimeoutMs: 5_000,
  /** Set in each worker's environment: purges and `/metrics` then go through the primary. */
  relayVariable: "TRESTLE_CLUSTER_RELAY",
  /** IPC message types between the primary and its workers. */
  purgeMessage: "trestle:purge",
  metricsMessage: "trestle:metrics",
} as const;
