import cluster from "node:cluster";
import { AggregatorRegistry, type Registry } from "prom-client";
import { workerDefaults } from "../plan/serve-defaults.js";

type Scrape = () => Promise<{ body: string; contentType: string }>;

let nextRequest = 0;

/**
 * In a worker of `trestle serve --workers`, `/metrics` speaks for the whole server: the worker
 * asks the primary, which collects every worker's registry (prom-client's AggregatorRegistry:
 * counters and histograms summed, gauges summed but the breaker's, which is the max) and
 * answers. Should the primary not answer within `metricsTimeoutMs`, the worker answers with
 * its own, saying so in a comment line. Undefined outside such a worker.
 */
export function createClusterScrape(registry: Registry): Scrape | undefined {
  if (!cluster.isWorker || process.env[workerDefaults.relayVariable] !== "1" || process.send === undefined) return undefined;
  // The worker side of prom-client's aggregation answers the primary's requests from this registry.
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([registry]);
  const local: Scrape = async () => ({
    body: `# trestle: this worker's metrics only (the primary did not answer)\n${await registry.metrics()}`,
    contentType: registry.contentType,
  });
  return () =>
    new Promise((resolve) => {
      const id = `${process.pid}:${nextRequest++}`;
      const done = (answer: { body: string; contentType: string } | undefined) => {
        clearTimeout(timer);
        process.off("message", listener);
        if (answer !== undefined) resolve(answer);
        else void local().then(resolve);
      };
      const listener = (message: unknown) => {
        const reply = message as { type?: unknown; id?: unknown; body?: unknown; contentType?: unknown };
        if (reply?.type !== workerDefaults.metricsMessage || reply.id !== id) return;
        done(typeof reply.body === "string" ? { body: reply.body, contentType: String(reply.contentType) } : undefined);
      };
      const timer = setTimeout(() => done(undefined), workerDefaults.metricsTimeoutMs);
      process.on("message", listener);
      process.send!({ type: workerDefaults.metricsMessage, id }, undefined, undefined, (error: Error | null) => {
        if (error) done(undefined);
      });
    });
}
