import type { DocumentNode } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { PreparedDocuments } from "./prepared-document.js";

/** The store shape yoga's `parserAndValidationCache` option takes. */
interface YogaStore<T> {
  get(key: string): T | undefined;
  set(key: string, value: T): void;
}

export interface YogaDocumentCache {
  /** createYoga's `parserAndValidationCache`: yoga's own caching plugin, over the shared cache. */
  readonly options: { documentCache: YogaStore<DocumentNode>; errorCache: YogaStore<unknown>; validationCache: true };
  /** Counts each document's validation errors into its entry (yoga keeps them beside it). */
  readonly plugin: Plugin;
}

/**
 * Yoga's route keeps parsed documents and parse errors in the one cache of prepared
 * documents the fast route uses (a text parsed by one route is not parsed again by the
 * other), under one byte budget. Yoga keeps each document's validation result in a WeakMap
 * keyed by the document, so it lives exactly as long as the document's entry here; the
 * plugin adds its errors to that entry's size.
 */
export function createYogaDocumentCache(documents: PreparedDocuments): YogaDocumentCache {
  /** The text each cached document was parsed from: its key here. */
  const texts = new WeakMap<DocumentNode, string>();
  return {
    options: {
      documentCache: {
        get: (text) => documents.get(text)?.document,
        set: (text, document) => {
          texts.set(document, text);
          documents.save(text, { ...documents.get(text), document });
        },
      },
      errorCache: {
        get: (text) => documents.get(text)?.parseError,
        set: (text, error) => documents.save(text, { ...documents.get(text), parseError: error }),
      },
      validationCache: true,
    },
    plugin: {
      onValidate({ params: { documentAST } }) {
        return ({ result }) => {
          const text = texts.get(documentAST);
          const entry = text === undefined ? undefined : documents.get(text);
          if (text === undefined || entry === undefined || entry.document !== documentAST) return;
          if (entry.yogaErrors !== result.length) {
            entry.yogaErrors = result.length;
            documents.save(text, entry);
          }
        };
      },
    },
  };
}
