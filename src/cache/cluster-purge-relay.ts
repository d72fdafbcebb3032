import cluster from "node:cluster";
import { workerDefaults } from "../plan/serve-defaults.js";
import { readPurgeMessage, type PurgeBus, type PurgeMessage } from "./purge-bus.js";

const { relayVariable, purgeMessage: purgeMessageType } = workerDefaults;

/**
 * Purges between the workers of `trestle serve --workers N` without Redis: a worker sends
 * each purge to the primary (serve-workers.ts), which relays it to the others. Undefined
 * outside such a worker (an app's own cluster is left alone).
 */
export function createClusterPurgeRelay(): PurgeBus | undefined {
  if (!cluster.isWorker || process.env[relayVariable] !== "1" || process.send === undefined) return undefined;
  let listener: ((message: unknown) => void) | undefined;
  return {
    publish: async (message: PurgeMessage) => {
      if (process.connected) process.send!({ type: purgeMessageType, purge: message });
    },
    subscribe(handler) {
      listener = (message) => {
        if (typeof message !== "object" || message === null || (message as { type?: unknown }).type !== purgeMessageType) return;
        const purge = readPurgeMessage((message as { purge?: unknown }).purge);
        if (purge !== undefined) handler(purge);
      };
      process.on("message", listener);
    },
    close: async () => {
      if (listener !== undefined) process.off("message", listener);
    },
  };
}
