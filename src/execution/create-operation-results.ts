import { LRUCache } from "lru-cache";
import { giveUpAfter, keyOfVariables, keyWithHeaders, retryEvery, type OpenOperation } from "./operation-key.js";
import type { UpstreamCallRecord } from "../loader/operation-context.js";
import type { PurgeMessage } from "../cache/purge-bus.js";
import { keysToPurge } from "../cache/purge-bus.js";
import { getOperationReadFacts } from "../cache/operation-read-facts.js";

/** What the result cache keeps of one answer: the body as sent without debug extensions, and when it stops. */
interface StoredResult {
  body: string;
  /** The answer's `Vary` when it carried `Cache-Control: public` (re-dated on each hit), else undefined; "" for public without Vary. */
  publicVary: string | undefined;
  /** The least `freshUntil` of its reads (the cache's clock). */
  expiresAt: number;
  /** upstream → read paths: the purges that drop it. */
  reads: ReadonlyMap<string, readonly string[]>;
  size: number;
}

/** One request's place in the result cache, found before execution. */
export interface ResultTicket {
  /** The stored answer's parts, when a fresh one matches every input it was chosen by. */
  readonly hit: StoredAnswer | undefined;
  /** After execution: keeps the answer when every read allows it (see {@link createOperationResults}). */
  store(outcome: ExecutedOutcome): void;
}

export interface StoredAnswer {
  body: string;
  /** `Cache-Control` (re-dated) and `Vary`, for an answer that carried them. */
  headers: Record<string, string>;
}

export interface ExecutedOutcome {
  status: number;
  /** The answer's body without debug extensions (made only when asked for). */
  body: () => string;
  hasErrors: boolean;
  hasData: boolean;
  calls: readonly UpstreamCallRecord[];
  /** Whether the answer carried `Cache-Control: public` (and its `Vary`). */
  cacheControl: string | undefined;
  vary: string | undefined;
}

export interface OperationResultsOptions {
  now: () => number;
  /** Bytes held (bodies, keys and a fixed overhead per result). */
  maxSize: number;
  maxEntrySize: number;
  maxEntries: number;
  /** Purges of the shared cache that reach this process. */
  onPurge: (listener: (message: PurgeMessage) => void) => () => void;
  /** Counts each lookup's outcome (`hit`, or `miss` when one was possible). */
  count?: (result: "hit" | "miss") => void;
}

export interface OperationResults {
  open: OpenOperation<ResultTicket>;
  readonly size: number;
  /** Stops listening for purges and drops every result. */
  close(): void;
}

const overheadBytes = 256;

/**
 * The whole-operation result cache (docs/result-cache.md). A query whose every upstream read
 * was served from, or stored in, the shared cache fresh — no write, no stream, no error, no
 * read whose key or path depends on `{context.X}` or whose path reads the caller — is kept as
 * the serialised answer. Its key: the prepared document, the operation name and the variables
 * (stable JSON), then the values of every client header its reads depend on (their keys'
 * varying and identity headers, their `Vary`), hashed; a lookup before execution reads the
 * header names the last stored answer of that document and those variables depended on, and
 * finds only an answer made with equal values of exactly those headers. So a result made for
 * one identity is only found with that identity's headers. It expires with its shortest read;
 * any purge of one of its reads' paths (a write, `cache.purge`, another replica's purge) drops
 * it, and a purge while the operation ran keeps it from being stored.
 */
export function createOperationResults(options: OperationResultsOptions): OperationResults {
  const { now } = options;
  /** Base key (document, operation, variables) → the header names its last stored answer depended on. */
  const specs = new LRUCache<string, readonly string[]>({ max: options.maxEntries });
  const index = new Map<string, Map<string, Set<string>>>();
  const results = new LRUCache<string, StoredResult>({
    max: options.maxEntries,
    maxSize: options.maxSize,
    maxEntrySize: options.maxEntrySize,
    sizeCalculation: (value) => value.size,
    dispose: (value, key) => unindex(key, value),
  });
  const documentIds = new WeakMap<object, number>();
  let nextDocumentId = 0;
  /** Document and operation → executions in a row that could not be stored. */
  const unstorable = new LRUCache<string, number>({ max: options.maxEntries });
  let skipped = 0;
  /** Bumped by every purge: an operation that saw one while it ran stores nothing. */
  let purges = 0;

  const stop = options.onPurge((message) => {
    purges++;
    const paths = index.get(message.upstream);
    if (paths === undefined) return;
    for (const key of keysToPurge(paths, message)) results.delete(key);
  });

  function unindex(key: string, value: StoredResult): void {
    for (const [upstream, pathnames] of value.reads) {
      const paths = index.get(upstream);
      if (paths === undefined) continue;
      for (const pathname of pathnames) {
        const keys = paths.get(pathname);
        keys?.delete(key);
        if (keys?.size === 0) paths.delete(pathname);
      }
      if (paths.size === 0) index.delete(upstream);
    }
  }

  return {
    open(document, operationName, variables, kind, headers) {
      if (kind !== "query") return undefined;
      let id = documentIds.get(document);
      if (id === undefined) documentIds.set(document, (id = nextDocumentId++));
      // An operation that could not be stored many times in a row (a POST read, no-store answers...) is tried again only now and then.
      const operation = `${id}:${operationName ?? ""}`;
      const failures = unstorable.size === 0 ? 0 : (unstorable.get(operation) ?? 0);
      if (failures >= giveUpAfter && ++skipped % retryEvery !== 0) return undefined;
      const values = keyOfVariables(variables);
      if (values === undefined) return undefined;
      // Unambiguous without quoting: a number, a GraphQL name (no spaces) or nothing, then the variables' JSON.
      const base = `${id} ${operationName ?? ""} ${values}`;
      const names = specs.get(base);
      let hit: StoredAnswer | undefined;
      if (names !== undefined) {
        const key = keyWithHeaders(base, names, headers);
        const stored = results.get(key);
        const at = now();
        if (stored !== undefined && at < stored.expiresAt) hit = { body: stored.body, headers: headersOf(stored, at) };
        else if (stored !== undefined) results.delete(key);
      }
      options.count?.(hit === undefined ? "miss" : "hit");
      const seen = purges;
      return {
        hit,
        store(outcome) {
          if (hit !== undefined || seen !== purges) return;
          const read = outcome.status === 200 && !outcome.hasErrors && outcome.hasData ? readCalls(outcome.calls, now()) : undefined;
          if (read === undefined) {
            unstorable.set(operation, failures + 1);
            return;
          }
          if (failures > 0) unstorable.delete(operation);
          const body = outcome.body();
          const inputs = [...read.inputs].sort();
          const key = keyWithHeaders(base, inputs, headers);
          const publicVary = outcome.cacheControl?.startsWith("public") ? (outcome.vary ?? "") : undefined;
          const size = overheadBytes + (body.length + key.length + base.length) * 2;
          specs.set(base, inputs);
          results.set(key, { body, publicVary, expiresAt: read.expiresAt, reads: read.reads, size });
          if (!results.has(key)) return; // larger than maxEntrySize
          for (const [upstream, pathnames] of read.reads) {
            let paths = index.get(upstream);
            if (paths === undefined) index.set(upstream, (paths = new Map()));
            for (const pathname of pathnames) {
              let keys = paths.get(pathname);
              if (keys === undefined) paths.set(pathname, (keys = new Set()));
              keys.add(key);
            }
          }
        },
      };
    },
    get size() {
      return results.size;
    },
    close() {
      stop();
      results.clear();
      specs.clear();
    },
  };
}

interface ReadSummary {
  expiresAt: number;
  inputs: Set<string>;
  reads: Map<string, string[]>;
}

/** The reads' least freshness, their inputs and paths; undefined unless every call is a fresh read the cache answered or stored. */
function readCalls(calls: readonly UpstreamCallRecord[], at: number): ReadSummary | undefined {
  if (calls.length === 0) return undefined;
  const summary: ReadSummary = { expiresAt: Number.POSITIVE_INFINITY, inputs: new Set(), reads: new Map() };
  for (const call of calls) {
    if (call.method !== "GET" && call.method !== "HEAD") return undefined;
    const status = call.cache;
    if (status === undefined || status.status === "stale" || status.maxAge === undefined) return undefined;
    const facts = getOperationReadFacts(status);
    if (facts === undefined || facts.inputs === null || facts.freshUntil <= at) return undefined;
    if (facts.freshUntil < summary.expiresAt) summary.expiresAt = facts.freshUntil;
    for (const name of facts.inputs) summary.inputs.add(name);
    let paths = summary.reads.get(facts.upstream);
    if (paths === undefined) summary.reads.set(facts.upstream, (paths = []));
    if (!paths.includes(facts.pathname)) paths.push(facts.pathname);
  }
  return summary;
}

/** A public answer's `Cache-Control`, re-dated: the freshness left now (none once under a second), and its `Vary`. */
function headersOf(stored: StoredResult, at: number): Record<string, string> {
  if (stored.publicVary === undefined) return {};
  const maxAge = Math.floor((stored.expiresAt - at) / 1000);
  if (maxAge <= 0) return {};
  const headers: Record<string, string> = { "cache-control": `public, max-age=${maxAge}` };
  if (stored.publicVary !== "") headers["vary"] = stored.publicVary;
  return headers;
}
