import { GraphQLError } from "graphql";
import { TrestleError } from "../errors.js";

/**
 * The one place errors become client-facing GraphQL errors. A TrestleError keeps its message
 * and gains `extensions.code` plus its facts; anything else is masked unless `debug` is on.
 * Upstream bodies and internal messages only appear in debug mode.
 */
export function createMaskError(debug: boolean): (error: unknown, message: string) => GraphQLError {
  return (error, message) => {
    if (!(error instanceof GraphQLError)) return maskUnknown(error, message, debug);
    const original = error.originalError;
    if (original instanceof TrestleError) {
      const extensions: Record<string, unknown> = { ...error.extensions, code: original.code, ...original.extensions };
      if (debug && Object.keys(original.debug).length > 0) extensions["debug"] = original.debug;
      return atPlaceOf(new GraphQLError(original.message, { ...placeOf(error), extensions }), error);
    }
    if (original === undefined || original === null || original instanceof GraphQLError) return error;
    return atPlaceOf(
      new GraphQLError(debug ? original.message : message, {
        ...placeOf(error),
        extensions: debug ? { code: "INTERNAL_SERVER_ERROR", stack: original.stack } : { code: "INTERNAL_SERVER_ERROR" },
      }),
      error,
    );
  };
}

function maskUnknown(error: unknown, message: string, debug: boolean): GraphQLError {
  const text = debug && error instanceof Error ? error.message : message;
  return new GraphQLError(text, { extensions: { code: "INTERNAL_SERVER_ERROR" } });
}

/** The nodes, source, positions and path of an error, for a replacement error at the same place. */
function placeOf(error: GraphQLError) {
  return {
    nodes: error.nodes ?? null,
    source: error.source ?? null,
    positions: error.positions ?? null,
    path: error.path ?? null,
  };
}

/** graphql-jit's errors carry `locations` without the AST nodes they came from: keep them. */
function atPlaceOf(masked: GraphQLError, error: GraphQLError): GraphQLError {
  if (masked.locations === undefined && error.locations !== undefined) {
    (masked as { locations?: GraphQLError["locations"] }).locations = error.locations;
  }
  return masked;
}
