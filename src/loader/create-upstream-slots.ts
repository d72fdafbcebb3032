import { clientClosedRequest } from "../errors.js";
import type { ClientSignal } from "../upstream/client-signal.js";

/**
 * One operation's share of each upstream (`limits.maxConcurrentCallsPerUpstream`): at most
 * `max` of its calls in flight to one upstream; the others wait their turn, first come first
 * served, inside the operation, so that one operation's fan-out never fills the upstream's
 * bulkhead (shared by every client) and is never refused for it. When the client goes away,
 * every call still waiting is abandoned with CLIENT_CLOSED_REQUEST, unsent.
 */
export interface UpstreamSlots {
  /** undefined when a slot is free now; else a promise of the next one. */
  take(upstream: string): Promise<void> | undefined;
  /** Hands the slot to the next waiting call, if any. */
  give(upstream: string): void;
}

interface Waiter {
  go(): void;
  fail(error: Error): void;
}

interface Queue {
  busy: number;
  waiting: Waiter[];
}

export function createUpstreamSlots(max: number, signal: ClientSignal | undefined): UpstreamSlots {
  const queues = new Map<string, Queue>();
  // One listener for the whole operation, added when a call first waits (not one per call:
  // a fan-out of hundreds would pass Node's listener warning on a WHATWG request's signal).
  let listening = false;
  const abandon = () => {
    for (const [upstream, queue] of queues) {
      for (const waiter of queue.waiting.splice(0)) waiter.fail(clientClosedRequest(upstream));
    }
  };
  return {
    take(upstream) {
      let queue = queues.get(upstream);
      if (queue === undefined) queues.set(upstream, (queue = { busy: 0, waiting: [] }));
      if (queue.busy < max) {
        queue.busy++;
        return undefined;
      }
      if (signal?.aborted) return Promise.reject(clientClosedRequest(upstream));
      if (!listening && signal !== undefined) {
        listening = true;
        signal.addEventListener("abort", abandon, { once: true });
      }
      const { waiting } = queue;
      return new Promise<void>((resolve, reject) => waiting.push({ go: resolve, fail: reject }));
    },
    give(upstream) {
      const queue = queues.get(upstream);
      if (queue === undefined) return;
      // The slot passes straight to the next call: `busy` stays as it is.
      const next = queue.waiting.shift();
      if (next !== undefined) next.go();
      else queue.busy--;
    },
  };
}
