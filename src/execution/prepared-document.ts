import type { DocumentNode, GraphQLError } from "graphql";
import type { CompiledQuery } from "graphql-jit";
import {
  createDocumentCache,
  estimateCompiledBytes,
  estimateDocumentBytes,
  estimateErrorBytes,
  type DocumentCache,
  type DocumentCacheOptions,
} from "./create-document-cache.js";

/**
 * One document text, prepared once for both GraphQL routes: the parsed document (or the
 * parse error), the fast route's validation verdict and compiled operations, and how many
 * validation errors yoga keeps beside it. Counted by its estimated bytes, all parts included.
 */
export interface PreparedDocument {
  document?: DocumentNode;
  /** Set once the fast route has validated the text: its errors as clients see them (parse or validation), empty when valid. */
  errors?: readonly GraphQLError[];
  /** A parse error yoga cached (its `errorCache`). */
  parseError?: unknown;
  /** graphql-jit's compiled operations, by operation name ("" for the only one). */
  compiled?: Map<string, CompiledQuery>;
  /** Validation errors yoga keeps for this document (in its own WeakMap, alive as long as the document). */
  yogaErrors?: number;
}

/** The one byte-bounded cache of prepared documents, shared by the fast route and yoga's. */
export type PreparedDocuments = DocumentCache<PreparedDocument> & {
  /** Stores `entry` again for `text`, counted by {@link sizeOf}. */
  save(text: string, entry: PreparedDocument): void;
};

export function createPreparedDocuments(options: DocumentCacheOptions = {}): PreparedDocuments {
  const cache = createDocumentCache<PreparedDocument>(options);
  return {
    get: (text) => cache.get(text),
    set: (text, entry, bytes) => cache.set(text, entry, bytes),
    save: (text, entry) => cache.set(text, entry, sizeOf(text, entry)),
    get calculatedSize() {
      return cache.calculatedSize;
    },
    get size() {
      return cache.size;
    },
  };
}

/** The entry's estimated bytes: text and tokens, every error kept (each points into the document), every compiled operation. */
export function sizeOf(text: string, entry: PreparedDocument): number {
  const errors = (entry.errors?.length ?? 0) + (entry.yogaErrors ?? 0) + (entry.parseError === undefined ? 0 : 1);
  const compiled =
    entry.compiled === undefined || entry.document === undefined ? 0 : entry.compiled.size * estimateCompiledBytes(entry.document);
  return estimateDocumentBytes(text, entry.document) + estimateErrorBytes(errors) + compiled;
}
