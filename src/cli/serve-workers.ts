import cluster, { type Worker } from "node:cluster";
import { availableParallelism } from "node:os";
import { AggregatorRegistry } from "prom-client";
import { workerDefaults } from "../plan/serve-defaults.js";
import type { CliIo } from "./cli-io.js";

export interface WorkersPlan {
  count: number;
  drainMs: number;
  /** Variables added to each worker's environment (the demo upstream's URL). */
  env: Record<string, string>;
  /** The first line's text, once every worker listens: `trestle serving … at <base>/graphql`. */
  banner: (port: number, pids: readonly number[]) => string;
  /** Run when the primary stops (the demo upstream it started). */
  closers: Array<() => Promise<void>>;
}

/** `--workers N|auto`: a number of workers (1 to 1024), or one per core; undefined when it is neither. */
export function readWorkerCount(value: string): number | undefined {
  if (value === "auto") return availableParallelism();
  if (!/^\d+$/.test(value)) return undefined;
  const count = Number(value);
  return count >= 1 && count <= 1024 ? count : undefined;
}

/**
 * The primary of `trestle serve --workers N`: forks N workers (node:cluster; each a full
 * Trestle, all on one port), relays cache purges between them (without Redis; with it, Redis
 * pub/sub does) and answers their `/metrics` requests with every worker's metrics aggregated.
 * A worker that dies is replaced and logged; past `restartsPerWorker × N` restarts within
 * `restartWindowMs` the next waits, the wait doubling up to `restartBackoffMaxMs` (a worker
 * that cannot start is not restarted in a tight loop). SIGTERM/SIGINT drain every worker
 * (each runs the single-process drain, `--drain-timeout`), then the primary exits 0. A worker
 * that exits before any has listened (a bad schema, a port in use) stops them all: exit 1.
 */
export function runWorkers(plan: WorkersPlan, io: CliIo): Promise<number> {
  const aggregator = new AggregatorRegistry();
  const workerEnv = { ...plan.env, [workerDefaults.relayVariable]: "1" };
  const fork = () => cluster.fork(workerEnv);
  const restarts: number[] = [];
  let backoffMs: number = workerDefaults.restartBackoffMs;
  let listening = 0;
  let stopping = false;
  const pending = new Set<NodeJS.Timeout>();

  cluster.on("message", (from: Worker, message: unknown) => {
    const typed = message as { type?: unknown; id?: unknown };
    if (typed?.type === workerDefaults.purgeMessage) {
      for (const worker of Object.values(cluster.workers ?? {}))
        if (worker !== undefined && worker !== from) worker.send(message as Parameters<Worker["send"]>[0]);
    } else if (typed?.type === workerDefaults.metricsMessage) {
      aggregator.clusterMetrics().then(
        (body) =>
          from.isConnected() && from.send({ type: workerDefaults.metricsMessage, id: typed.id, body, contentType: aggregator.contentType }),
        () => from.isConnected() && from.send({ type: workerDefaults.metricsMessage, id: typed.id }),
      );
    }
  });

  return new Promise<number>((resolve) => {
    const finish = (code: number) => {
      for (const timer of pending) clearTimeout(timer);
      void Promise.all(plan.closers.map((close) => close())).then(() => resolve(code));
    };
    const stop = (signal: string, code = 0) => {
      if (stopping) return;
      stopping = true;
      const workers = Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => worker !== undefined);
      io.stdout(`trestle: ${signal} received, draining ${workers.length} workers (up to ${plan.drainMs} ms)`);
      if (workers.length === 0) return finish(code);
      for (const worker of workers) worker.process.kill("SIGTERM");
      const deadline = setTimeout(() => {
        for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill("SIGKILL");
      }, plan.drainMs + 2_000);
      pending.add(deadline);
      cluster.on("exit", () => {
        if (Object.keys(cluster.workers ?? {}).length > 0) return;
        io.stdout("trestle: stopped");
        finish(code);
      });
    };
    cluster.on("listening", (worker: Worker, address: { port: number }) => {
      listening++;
      const pids = Object.values(cluster.workers ?? {}).map((running) => running?.process.pid ?? 0);
      if (listening === plan.count) io.stdout(plan.banner(address.port, pids));
      else if (listening > plan.count) io.stdout(`trestle: worker ${worker.process.pid} listening`);
    });
    cluster.on("exit", (worker: Worker, code: number | null, signal: string | null) => {
      if (stopping) return;
      const how = signal === null ? `code ${code}` : signal;
      if (listening === 0) {
        io.stderr(`trestle: worker ${worker.process.pid} exited (${how}) before any worker listened; stopping`);
        return stop("startup failure", 1);
      }
      const now = Date.now();
      while (restarts.length > 0 && restarts[0]! < now - workerDefaults.restartWindowMs) restarts.shift();
      restarts.push(now);
      if (restarts.length <= workerDefaults.restartsPerWorker * plan.count) {
        io.stderr(`trestle: worker ${worker.process.pid} exited (${how}); starting a new one`);
        backoffMs = workerDefaults.restartBackoffMs;
        fork();
        return;
      }
      io.stderr(
        `trestle: worker ${worker.process.pid} exited (${how}); ${restarts.length} restarts in ${workerDefaults.restartWindowMs / 1000} s, the next one in ${backoffMs} ms`,
      );
      const timer = setTimeout(() => {
        pending.delete(timer);
        if (!stopping) fork();
      }, backoffMs);
      pending.add(timer);
      backoffMs = Math.min(backoffMs * 2, workerDefaults.restartBackoffMaxMs);
    });
    process.once("SIGINT", () => stop("SIGINT"));
    process.once("SIGTERM", () => stop("SIGTERM"));
    for (let i = 0; i < plan.count; i++) fork();
  });
}
