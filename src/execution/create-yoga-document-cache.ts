import type { DocumentNode } from "graphql";
import type { Plugin } from "graphql-yoga";
import { createDocumentCache, estimateDocumentBytes, estimateErrorBytes, type DocumentCacheOptions } from "./create-document-cache.js";

/** The store shape yoga's `parserAndValidationCache` option takes. */
interface YogaStore<T> {
  get(key: string): T | undefined;
  set(key: string, value: T): void;
}

export interface YogaDocumentCache {
  /** createYoga's `parserAndValidationCache`: yoga's own caching plugin, over one byte budget. */
  readonly options: { documentCache: YogaStore<DocumentNode>; errorCache: YogaStore<unknown>; validationCache: true };
  /** Counts each document's validation errors into its entry (yoga keeps them beside it). */
  readonly plugin: Plugin;
  /** Estimated bytes held. */
  readonly calculatedSize: number;
}

/** `parsed` is the document's own estimated size, `bytes` that plus its validation errors. */
type Entry = { document: DocumentNode; parsed: number; bytes: number } | { error: unknown };

/**
 * Yoga's lane keeps parsed documents and parse errors in one byte-bounded cache
 * (createDocumentCache), the fast lane's budget and rules. Yoga keeps each document's
 * validation result in a WeakMap keyed by the document, so it lives exactly as long as the
 * document's entry here; the plugin adds its errors to that entry's size.
 */
export function createYogaDocumentCache(options: DocumentCacheOptions = {}): YogaDocumentCache {
  const entries = createDocumentCache<Entry>(options);
  /** The text each cached document was parsed from: its key here. */
  const texts = new WeakMap<DocumentNode, string>();
  return {
    options: {
      documentCache: {
        get: (text) => {
          const entry = entries.get(text);
          return entry !== undefined && "document" in entry ? entry.document : undefined;
        },
        set: (text, document) => {
          const parsed = estimateDocumentBytes(text, document);
          texts.set(document, text);
          entries.set(text, { document, parsed, bytes: parsed }, parsed);
        },
      },
      errorCache: {
        get: (text) => {
          const entry = entries.get(text);
          return entry !== undefined && "error" in entry ? entry.error : undefined;
        },
        set: (text, error) => {
          entries.set(text, { error }, estimateDocumentBytes(text, undefined) + estimateErrorBytes(1));
        },
      },
      validationCache: true,
    },
    plugin: {
      onValidate({ params: { documentAST } }) {
        return ({ result }) => {
          const text = texts.get(documentAST);
          const entry = text === undefined ? undefined : entries.get(text);
          if (text === undefined || entry === undefined || !("document" in entry) || entry.document !== documentAST) return;
          const bytes = entry.parsed + estimateErrorBytes(result.length);
          if (bytes !== entry.bytes) entries.set(text, { ...entry, bytes }, bytes);
        };
      },
    },
    get calculatedSize() {
      return entries.calculatedSize;
    },
  };
}
