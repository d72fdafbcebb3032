import type { DocumentNode } from "graphql";
import { LRUCache } from "lru-cache";

export interface DocumentCacheOptions {
  /** Estimated bytes the cache holds at most, every entry counted (estimateDocumentBytes). @default 16 MiB */
  maxBytes?: number;
  /** Longest document text kept, in characters; a longer one is parsed for each request. @default 65536 */
  maxTextLength?: number;
}

/**
 * Parsed documents and what is derived from them (validation errors, compiled operations),
 * by document text, bounded by their estimated size in memory rather than by their number.
 */
export interface DocumentCache<T extends object> {
  get(text: string): T | undefined;
  /**
   * Keeps `entry` for `text`, counted as `bytes`; setting a text again counts it again. A text
   * longer than `maxTextLength`, or an entry over an eighth of the budget, is not kept.
   */
  set(text: string, entry: T, bytes: number): void;
  /** Estimated bytes held: never more than `maxBytes`. */
  readonly calculatedSize: number;
  readonly size: number;
}

export const defaultDocumentCacheBytes = 16 * 1024 * 1024;
export const defaultMaxCachedTextLength = 64 * 1024;

/**
 * A document cache kept by count pins whatever its documents weigh: comments are free of the
 * token limit, so a thousand unique 1 MB documents pinned a gigabyte; a thousand dense
 * 2,000-token ones, with their validation errors, most of one. This one counts estimated
 * bytes, and does not keep long texts at all: they are parsed for each request, as any
 * unique document is.
 */
export function createDocumentCache<T extends object>(options: DocumentCacheOptions = {}): DocumentCache<T> {
  const maxBytes = options.maxBytes ?? defaultDocumentCacheBytes;
  const maxTextLength = options.maxTextLength ?? defaultMaxCachedTextLength;
  const entries = new LRUCache<string, T>({ maxSize: maxBytes, maxEntrySize: Math.max(1, Math.floor(maxBytes / 8)) });
  return {
    get: (text) => entries.get(text),
    set: (text, entry, bytes) => {
      if (text.length > maxTextLength) return;
      // lru-cache counts an entry's size when it is added, not when the same entry is set again.
      entries.delete(text);
      entries.set(text, entry, { size: Math.max(1, Math.ceil(bytes)) });
    },
    get calculatedSize() {
      return entries.calculatedSize;
    },
    get size() {
      return entries.size;
    },
  };
}

/**
 * Measured on graphql 16 (Node 20 heap, locations kept): a parsed document holds 120-520 bytes
 * per token (a comment is a token too) besides its text, a validation error about 3 KiB (it
 * carries a stack), a graphql-jit compiled operation about 7 KiB plus up to 550 bytes per token
 * of its document at the depths the limits allow. The estimates round these up.
 */
const bytesPerToken = 512;
const bytesPerError = 4 * 1024;
const bytesPerCompiledOperation = 8 * 1024;

/** A parsed document's estimated size: its text (two bytes a character at worst) and its tokens. */
export function estimateDocumentBytes(text: string, document: DocumentNode | undefined): number {
  return 1024 + 2 * text.length + bytesPerToken * countTokens(document);
}

/** What `count` errors about a document add to it (validation and parse errors keep a stack each). */
export function estimateErrorBytes(count: number): number {
  return bytesPerError * count;
}

/** What one compiled operation of the document adds to it. */
export function estimateCompiledBytes(document: DocumentNode): number {
  return bytesPerCompiledOperation + bytesPerToken * countTokens(document);
}

/** graphql-js links every token of a parsed document, comments included, from `loc.startToken`. */
function countTokens(document: DocumentNode | undefined): number {
  let count = 0;
  for (let token = document?.loc?.startToken ?? null; token !== null; token = token.next) count++;
  return count;
}
