import {
  isAbstractType,
  isEnumType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  Kind,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from "graphql";
import { enumJsonSchema, nullable, scalarJsonSchema, withDescription, type JsonSchema } from "./input-json-schema.js";

interface Entry {
  fields: Array<{ parent: GraphQLCompositeType; node: FieldNode }>;
  /** Always in the result: not under @skip/@include, nor under a fragment on a narrower type. */
  required: boolean;
}

/**
 * The JSON Schema of an operation's `data`, read from its selection sets: each response key
 * (alias or field name) with the type of the field it selects, fragments merged in, non-null
 * fields refusing null. Keys only present for some types (a fragment on a narrower type) or
 * under `@skip`/`@include` are optional; `__typename` lists the type names it can be.
 */
export function selectionJsonSchema(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
): JsonSchema {
  const root = schema.getRootType(operation.operation);
  if (root == null) return { type: "object" };

  const objectSchema = (type: GraphQLCompositeType, sets: readonly SelectionSetNode[]): JsonSchema => {
    const entries = new Map<string, Entry>();
    for (const set of sets) collect(type, set, true, entries);
    const properties: Record<string, JsonSchema> = {};
    const required: string[] = [];
    for (const [key, entry] of entries) {
      properties[key] = fieldSchema(entry);
      if (entry.required) required.push(key);
    }
    const object: JsonSchema = { type: "object", properties };
    if (required.length > 0) object["required"] = required;
    return object;
  };

  const collect = (type: GraphQLCompositeType, set: SelectionSetNode, required: boolean, into: Map<string, Entry>): void => {
    for (const selection of set.selections) {
      const always = required && !(selection.directives ?? []).some((d) => d.name.value === "skip" || d.name.value === "include");
      if (selection.kind === Kind.FIELD) {
        const key = selection.alias?.value ?? selection.name.value;
        const entry = into.get(key) ?? { fields: [], required: false };
        entry.fields.push({ parent: type, node: selection });
        entry.required ||= always;
        into.set(key, entry);
        continue;
      }
      const fragment = selection.kind === Kind.INLINE_FRAGMENT ? selection : fragments.get(selection.name.value);
      if (fragment === undefined) continue;
      const condition = fragment.typeCondition ? schema.getType(fragment.typeCondition.name.value) : type;
      if (condition == null || !(isObjectType(condition) || isAbstractType(condition))) continue;
      const covers = condition === type || (isAbstractType(condition) && isObjectType(type) && schema.isSubType(condition, type));
      collect(condition, fragment.selectionSet, always && covers, into);
    }
  };

  const fieldSchema = (entry: Entry): JsonSchema => {
    const { parent, node } = entry.fields[0]!;
    if (node.name.value === "__typename") {
      const names = isAbstractType(parent) ? schema.getPossibleTypes(parent).map((t) => t.name) : [parent.name];
      return { type: "string", enum: names };
    }
    // A union has no fields but __typename; validation has checked every other name.
    const field = "getFields" in parent ? parent.getFields()[node.name.value] : undefined;
    if (field === undefined) return {};
    const sets = entry.fields.flatMap(({ node }) => (node.selectionSet ? [node.selectionSet] : []));
    return withDescription(outputSchema(field.type, sets), field.description);
  };

  const outputSchema = (type: GraphQLOutputType, sets: readonly SelectionSetNode[]): JsonSchema => {
    if (isNonNullType(type)) return nonNullOutput(type.ofType, sets);
    return nullable(nonNullOutput(type, sets));
  };
  const nonNullOutput = (type: GraphQLOutputType, sets: readonly SelectionSetNode[]): JsonSchema => {
    if (isListType(type)) return { type: "array", items: outputSchema(type.ofType, sets) };
    if (isScalarType(type)) return scalarJsonSchema(type);
    if (isEnumType(type)) return enumJsonSchema(type);
    if (isNonNullType(type)) return nonNullOutput(type.ofType, sets);
    return objectSchema(type, sets);
  };

  return objectSchema(root, [operation.selectionSet]);
}
