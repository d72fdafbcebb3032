import { GraphQLError, type ASTNode } from "graphql";

export type LimitCode =
  "MAX_DEPTH_LIMIT" | "MAX_ALIASES_LIMIT" | "MAX_ROOT_FIELDS_LIMIT" | "MAX_TOKENS_LIMIT" | "MAX_DIRECTIVES_LIMIT" | "COST_LIMIT";

/**
 * A request-shape limit was exceeded: HTTP 400 and a stable code, before any upstream call.
 * The 400 holds for `application/json` clients too (ordinary validation errors are 200 for
 * them, as the GraphQL-over-HTTP spec asks): Trestle's result step reads `http.status`.
 */
export function createLimitError(code: LimitCode, message: string, nodes?: ASTNode | readonly ASTNode[]): GraphQLError {
  return new GraphQLError(message, { nodes: nodes ?? null, extensions: { code, http: { status: 400 } } });
}
