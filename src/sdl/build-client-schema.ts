import { buildASTSchema, Kind, visit, type DocumentNode, type GraphQLSchema } from "graphql";
import { trestleDirectiveNames } from "./directives.js";

/**
 * The schema clients see: the user's SDL without Trestle's directives and their input types,
 * so introspection shows the API, not how it is wired to REST.
 */
export function buildClientSchema(userDocument: DocumentNode): GraphQLSchema {
  const stripped = visit(userDocument, {
    Directive: (node) => (trestleDirectiveNames.has(node.name.value) ? null : undefined),
  });
  const definitions = stripped.definitions.filter(
    (definition) =>
      definition.kind !== Kind.SCHEMA_EXTENSION || (definition.directives?.length ?? 0) > 0 || (definition.operationTypes?.length ?? 0) > 0,
  );
  return buildASTSchema({ ...stripped, definitions }, { assumeValidSDL: true });
}
