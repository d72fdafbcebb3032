import { Kind, TypeInfo, visit, visitWithTypeInfo, type DocumentNode, type GraphQLSchema } from "graphql";

/** Each variable's description: that of the first argument it is passed to, when the schema describes it. */
export function describeVariables(schema: GraphQLSchema, document: DocumentNode): Map<string, string> {
  const descriptions = new Map<string, string>();
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Argument(node) {
        const description = typeInfo.getArgument()?.description;
        if (node.value.kind !== Kind.VARIABLE || !description) return;
        if (!descriptions.has(node.value.name.value)) descriptions.set(node.value.name.value, description);
      },
    }),
  );
  return descriptions;
}
