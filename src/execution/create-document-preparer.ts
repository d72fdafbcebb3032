import { GraphQLError, specifiedRules, validate, type GraphQLSchema, type ValidationRule } from "graphql";
import { hideSuggestions } from "./hide-suggestions.js";
import { parseDocument } from "./parse-document.js";
import type { PreparedDocument, PreparedDocuments } from "./prepared-document.js";

export interface DocumentPreparerOptions {
  schema: GraphQLSchema;
  /** Added to graphql-js's specified rules: the list both GraphQL lanes validate with. */
  rules: readonly ValidationRule[];
  maxTokens: number;
  showSuggestions: boolean;
  /** The cache of prepared documents the GraphQL routes share. */
  documents: PreparedDocuments;
}

/** A document text, parsed and validated (or its errors), from the shared cache. */
export type DocumentPreparer = (query: string) => PreparedDocument & { errors: readonly GraphQLError[] };

/**
 * Prepares a document text as the fast lane does (create-graphql-lane.ts): parsed with the
 * token limit, validated with graphql-js's rules and Trestle's limits once per distinct text,
 * the verdict kept in the shared cache, so a text the fast lane or yoga's has seen costs a lookup.
 */
export function createDocumentPreparer(options: DocumentPreparerOptions): DocumentPreparer {
  const { documents } = options;
  const rules = [...specifiedRules, ...options.rules];
  return (query) => {
    const prepared = documents.get(query) ?? {};
    if (prepared.errors !== undefined) return prepared as ReturnType<DocumentPreparer>;
    try {
      prepared.document ??= parseDocument(query, options.maxTokens);
      const errors = validate(options.schema, prepared.document, rules).map(asValidationError);
      prepared.errors = options.showSuggestions ? errors : errors.map(hideSuggestions);
    } catch (error) {
      if (!(error instanceof GraphQLError)) throw error;
      prepared.errors = [error];
    }
    documents.save(query, prepared);
    return prepared as ReturnType<DocumentPreparer>;
  };
}

/** Validation errors carry GRAPHQL_VALIDATION_FAILED unless a rule gave its own code (the limits do). */
export function asValidationError(error: GraphQLError): GraphQLError {
  if (error.extensions["code"] !== undefined) return error;
  return new GraphQLError(error.message, {
    nodes: error.nodes ?? null,
    source: error.source ?? null,
    positions: error.positions ?? null,
    extensions: { ...error.extensions, code: "GRAPHQL_VALIDATION_FAILED" },
  });
}
