import { LRUCache } from "lru-cache";
import { giveUpAfter, keyOfVariables, keyWithHeaders, retryEvery, type OpenOperation } from "./operation-key.js";
import type { UpstreamCallRecord } from "../loader/operation-context.js";
import { getDedupeReadInputs } from "../cache/dedupe-read-facts.js";
import type { ExecutedOutcome } from "./create-operation-results.js";

/** What a caller that joined an operation in flight answers with: the body as executed (no debug extension), its caching headers. */
export interface SharedAnswer {
  body: string;
  /** `Cache-Control` and `Vary`, as the executing request's answer carried them. */
  headers: Record<string, string>;
}

/** One request's place among the operations in flight, found before execution. */
export interface FlightTicket {
  /**
   * Set when an identical operation is executing: waits for its answer, or undefined when that
   * one turned out not shareable (then this caller executes on its own). Unset: this caller executes.
   */
  readonly join: (() => Promise<SharedAnswer | undefined>) | undefined;
  /**
   * After executing: gives the answer to the callers that joined, when every read allows it, and
   * learns what the operation's reads depend on. The first call counts; without `outcome` (the
   * execution failed or ended early) the joiners execute on their own. Call it in a `finally`.
   */
  end(outcome?: ExecutedOutcome): void;
}

export interface OperationFlightsOptions {
  /** Operations remembered (what their reads depend on), least recently used first. */
  maxOperations: number;
  /** Bytes those memories may hold (their keys carry the variables), least recently used first. */
  maxBytes: number;
  /** Purges of the shared cache that reach this process: operations in flight then take no new joiners. */
  onPurge?: (listener: () => void) => () => void;
  /** Counts each caller answered by an operation another caller executed. */
  count?: () => void;
}

export interface OperationFlights {
  open: OpenOperation<FlightTicket>;
  /** Stops listening for purges; flights in flight still end. */
  close(): void;
}

interface Flight {
  /** The header names its key was made with. */
  names: readonly string[];
  answer: Promise<SharedAnswer | undefined>;
  settle: (answer: SharedAnswer | undefined) => void;
}

/**
 * Whole-operation `dedupe` (docs/result-cache.md): a query identical to one executing now — same
 * prepared document, operation name, variables (stable JSON) and values of every client header
 * its reads depended on the last time it ran — waits for that one's answer instead of executing.
 * Only operations whose every read, the last time and this time, is a `dedupe` read whose answer
 * may be shared (no cookie, no `Vary: *`, no read of `{context.X}` or of the caller in its path)
 * are shared, and only answers with data and no error (status 200). An operation never executed
 * is never joined. Nothing outlives the flight but the header names each operation depends on.
 * A purge (a write, `cache.purge`) while an operation runs lets no further caller join it.
 */
export function createOperationFlights(options: OperationFlightsOptions): OperationFlights {
  /** Document, operation and variables → the client header names the operation's reads depended on when it last ran shareably. */
  const specs = new LRUCache<string, readonly string[]>({
    max: options.maxOperations,
    maxSize: options.maxBytes,
    sizeCalculation: (names, key) => 64 + (key.length + names.join().length) * 2,
  });
  const unshareable = new LRUCache<string, number>({ max: options.maxOperations });
  const inflight = new Map<string, Flight>();
  const documentIds = new WeakMap<object, number>();
  let nextDocumentId = 0;
  let skipped = 0;
  const stop = options.onPurge?.(() => inflight.clear());

  return {
    open(document, operationName, variables, kind, headers) {
      if (kind !== "query") return undefined;
      let id = documentIds.get(document);
      if (id === undefined) documentIds.set(document, (id = nextDocumentId++));
      const operation = `${id}:${operationName ?? ""}`;
      const failures = unshareable.get(operation) ?? 0;
      if (failures >= giveUpAfter && ++skipped % retryEvery !== 0) return undefined;
      const values = keyOfVariables(variables);
      if (values === undefined) return undefined;
      const base = JSON.stringify([id, operationName ?? null, values]);
      const names = specs.get(base);
      const key = names === undefined ? undefined : keyWithHeaders(base, names, headers);
      const pending = key === undefined ? undefined : inflight.get(key);
      if (pending !== undefined) {
        const join = async () => {
          const answer = await pending.answer;
          if (answer !== undefined) options.count?.();
          return answer;
        };
        return { join, end: () => undefined };
      }
      let flight: Flight | undefined;
      if (key !== undefined) {
        let settle: Flight["settle"] = () => undefined;
        const answer = new Promise<SharedAnswer | undefined>((resolve) => (settle = resolve));
        inflight.set(key, (flight = { names: names!, answer, settle }));
      }
      let ended = false;
      return {
        join: undefined,
        end(outcome) {
          if (ended) return;
          ended = true;
          if (key !== undefined && inflight.get(key) === flight) inflight.delete(key);
          if (outcome === undefined) return flight?.settle(undefined);
          const inputs = readShareable(outcome);
          if (inputs === undefined) {
            specs.delete(base);
            unshareable.set(operation, failures + 1);
            return flight?.settle(undefined);
          }
          if (failures > 0) unshareable.delete(operation);
          specs.set(base, inputs);
          if (flight === undefined) return;
          // The joiners were keyed on the names known before: they share only if the reads depended on no other header.
          if (!inputs.every((name) => flight.names.includes(name))) return flight.settle(undefined);
          flight.settle({ body: outcome.body(), headers: cachingHeaders(outcome) });
        },
      };
    },
    close: () => stop?.(),
  };
}

/** The sorted client header names the answer's reads depended on, or undefined unless it may be shared. */
function readShareable(outcome: ExecutedOutcome): string[] | undefined {
  if (outcome.status !== 200 || outcome.hasErrors || !outcome.hasData || outcome.calls.length === 0) return undefined;
  const names = new Set<string>();
  for (const call of outcome.calls) {
    if (call.method !== "GET" && call.method !== "HEAD") return undefined;
    const inputs = call.cache === undefined ? undefined : getDedupeReadInputs(call.cache);
    if (inputs === undefined || inputs === null) return undefined;
    for (const name of inputs) names.add(name);
  }
  return [...names].sort();
}

function cachingHeaders(outcome: ExecutedOutcome): Record<string, string> {
  const headers: Record<string, string> = {};
  if (outcome.cacheControl !== undefined) headers["cache-control"] = outcome.cacheControl;
  if (outcome.vary !== undefined) headers["vary"] = outcome.vary;
  return headers;
}
