import { GraphQLError, parse, type DocumentNode } from "graphql";
import { createLimitError } from "../limits/limit-error.js";

/**
 * Parses a GraphQL document with graphql-js's own token limit, for both lanes (the fast lane
 * and yoga's). Going over the limit is MAX_TOKENS_LIMIT (HTTP 400); any other syntax error
 * is GRAPHQL_PARSE_FAILED.
 */
export function parseDocument(query: string, maxTokens: number): DocumentNode {
  try {
    return parse(query, { maxTokens, noLocation: false });
  } catch (error) {
    if (!(error instanceof GraphQLError)) throw error;
    // graphql 16 says "more that N tokens"; later versions may spell it right.
    if (/Document contains more tha[nt] \d+ tokens/.test(error.message)) {
      throw createLimitError("MAX_TOKENS_LIMIT", `Token limit of ${maxTokens} exceeded.`);
    }
    throw new GraphQLError(error.message, {
      source: error.source ?? null,
      positions: error.positions ?? null,
      extensions: { code: "GRAPHQL_PARSE_FAILED" },
    });
  }
}
