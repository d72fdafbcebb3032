import { LRUCache } from "lru-cache";
import type { UpstreamResponse } from "../upstream/upstream-client.js";
import { buildVaryKey } from "./build-cache-key.js";
import type { Freshness } from "./compute-freshness.js";
import { keysToPurge, type PurgeMessage } from "./purge-bus.js";

/** One stored answer. Immutable: a refresh stores a new entry around the same response object. */
export interface CacheEntry extends Freshness {
  readonly kind: "response";
  /** Frozen, and returned as is on every hit, so its parsed JSON is shared (connector/map-answer.ts). */
  readonly response: UpstreamResponse;
  readonly upstream: string;
  /** The request path without its query: what purges match. */
  readonly pathname: string;
  /** Dropped from the store at this time (stale windows and revalidation over); Infinity with validators. */
  readonly retainUntil: number;
  readonly etag: string | undefined;
  readonly lastModified: string | undefined;
  /**
   * Who may be served it from the shared key: "all" when stored under `@cache(scope: PUBLIC)`
   * from a request with credentials (served only to reads of `scope: PUBLIC` fields), else
   * "anonymous" (made without credentials: served to callers without them, and to `scope: PUBLIC` reads).
   */
  readonly audience: "all" | "anonymous";
  /** What the browser may be told (`private` when it is per identity or the schema or upstream says so). */
  readonly scope: "public" | "private";
  /** Lower-case names of its `Vary` header: the request headers that select it. */
  readonly vary: readonly string[];
  /** Bytes counted against `maxSize`: body, headers, key and a fixed overhead. */
  readonly size: number;
}

/** Stored at an answer's key when the answer says `Vary`: its variants live at {@link buildVaryKey}. */
interface VaryMarker {
  readonly kind: "vary";
  readonly names: readonly string[];
  readonly upstream: string;
  readonly pathname: string;
  readonly size: number;
}

type Stored = CacheEntry | VaryMarker;

/** A second tier told of what the first stores and deletes (redis-tier.ts, through create-cached-send.ts). */
export interface StoreListener {
  stored(key: string, entry: CacheEntry, headers: Readonly<Record<string, string>>): void;
  /** `key` is the entry's own key (a variant's key for an answer that says `Vary`). */
  deleted(key: string): void;
}

/** Bookkeeping bytes per stored value (the LRU's node, the index's set entry, the entry object). */
export const entryOverheadBytes = 256;

/**
 * The store: one lru-cache bounded in bytes (`maxSize`, each value's `size`), plus an index
 * upstream → path → keys so that purges touch only what they delete. It knows nothing of HTTP
 * beyond `Vary`; {@link createCachedSend} decides what is stored and when it is served.
 */
export class ResponseCache {
  readonly maxSize: number;
  readonly maxEntrySize: number;
  readonly #lru: LRUCache<string, Stored>;
  readonly #index = new Map<string, Map<string, Set<string>>>();
  #entries = 0;
  readonly #listener: StoreListener | undefined;

  constructor(options: { maxSize: number; maxEntrySize: number }, listener?: StoreListener) {
    this.#listener = listener;
    this.maxSize = options.maxSize;
    this.maxEntrySize = options.maxEntrySize;
    this.#lru = new LRUCache<string, Stored>({
      maxSize: options.maxSize,
      maxEntrySize: options.maxEntrySize,
      sizeCalculation: (value) => value.size,
      dispose: (value, key) => this.#unindex(value, key),
    });
  }

  /** Answers held (Vary markers not counted). */
  get size(): number {
    return this.#entries;
  }

  /** Bytes held, as counted against `maxSize`. */
  get calculatedSize(): number {
    return this.#lru.calculatedSize;
  }

  /** The entry for a request's headers at `key` (following a Vary marker), unless past retention. */
  get(key: string, headers: Readonly<Record<string, string>>, now: number): CacheEntry | undefined {
    let found = this.#lru.get(key);
    let at = key;
    if (found?.kind === "vary") {
      at = buildVaryKey(key, found.names, headers);
      found = this.#lru.get(at);
    }
    if (found?.kind !== "response") return undefined;
    if (now >= found.retainUntil) {
      this.#lru.delete(at);
      return undefined;
    }
    return found;
  }

  /** Stores an entry; `vary` holds the lower-case names of its `Vary` header. False when it is too large. */
  set(key: string, entry: CacheEntry, vary: readonly string[], headers: Readonly<Record<string, string>>): boolean {
    const stored = this.fill(key, entry, vary, headers);
    if (stored) this.#listener?.stored(key, entry, headers);
    return stored;
  }

  /** Stores an entry that came from the second tier (the listener is not told). */
  fill(key: string, entry: CacheEntry, vary: readonly string[], headers: Readonly<Record<string, string>>): boolean {
    if (entry.size > this.maxEntrySize) return false;
    let at = key;
    if (vary.length > 0) {
      const current = this.#lru.peek(key);
      if (current?.kind !== "vary" || current.names.join() !== vary.join()) {
        const marker: VaryMarker = {
          kind: "vary",
          names: vary,
          upstream: entry.upstream,
          pathname: entry.pathname,
          size: key.length + entryOverheadBytes,
        };
        this.#put(key, marker);
      }
      at = buildVaryKey(key, vary, headers);
    }
    return this.#put(at, entry);
  }

  /** Deletes the entry a request's headers select at `key`. */
  delete(key: string, headers: Readonly<Record<string, string>>): void {
    const found = this.#lru.peek(key);
    const at = found?.kind === "vary" ? buildVaryKey(key, found.names, headers) : key;
    this.#lru.delete(at);
    this.#listener?.deleted(at);
  }

  /**
   * Deletes the entries a purge reaches (its upstream; its paths, any query and identity, or
   * every path under its prefix, or all); returns how many answers went.
   */
  purge(message: PurgeMessage): number {
    const paths = this.#index.get(message.upstream);
    if (paths === undefined) return 0;
    let purged = 0;
    for (const key of keysToPurge(paths, message)) {
      if (this.#lru.peek(key)?.kind === "response") purged++;
      this.#lru.delete(key);
    }
    return purged;
  }

  #put(key: string, value: Stored): boolean {
    if (this.#lru.peek(key) === value) return true;
    this.#lru.set(key, value);
    if (this.#lru.peek(key) !== value) return false;
    let paths = this.#index.get(value.upstream);
    if (paths === undefined) this.#index.set(value.upstream, (paths = new Map()));
    let keys = paths.get(value.pathname);
    if (keys === undefined) paths.set(value.pathname, (keys = new Set()));
    keys.add(key);
    if (value.kind === "response") this.#entries++;
    return true;
  }

  #unindex(value: Stored, key: string): void {
    if (value.kind === "response") this.#entries--;
    const paths = this.#index.get(value.upstream);
    const keys = paths?.get(value.pathname);
    if (keys === undefined) return;
    keys.delete(key);
    if (keys.size === 0) paths!.delete(value.pathname);
    if (paths!.size === 0) this.#index.delete(value.upstream);
  }
}
