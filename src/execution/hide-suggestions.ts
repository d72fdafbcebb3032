import { GraphQLError } from "graphql";

const suggestion = /Did you mean(.+?)\?$/;

/**
 * Outside development, validation errors do not suggest field, argument or type names
 * (`Did you mean "secretField"?` would map a schema that introspection hides).
 */
export function hideSuggestions(error: GraphQLError): GraphQLError {
  if (!suggestion.test(error.message)) return error;
  return new GraphQLError(error.message.replace(suggestion, "[Suggestion hidden]"), {
    nodes: error.nodes ?? null,
    source: error.source ?? null,
    positions: error.positions ?? null,
    extensions: error.extensions,
  });
}
