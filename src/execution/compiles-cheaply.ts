import {
  getNamedType,
  isInputObjectType,
  typeFromAST,
  type GraphQLInputObjectType,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from "graphql";

/**
 * The most input fields graphql-jit may unfold for one operation's variables. graphql-jit
 * writes the coercion of a variable inline, field by field, through every nested input
 * object: a recursive input type (`input Filter { and: [Filter!] }`) took ~4 s of CPU per
 * new document here, and deep trees grow its code by the product of their widths. Such
 * operations run on graphql-js's executor instead (same answers, slower per request).
 */
export const maxUnfoldedInputFields = 500;

const unfolded = new WeakMap<GraphQLInputObjectType, number>();

/** True when graphql-jit can compile the operation's variable coercion at a bounded cost. */
export function compilesCheaply(schema: GraphQLSchema, operation: OperationDefinitionNode): boolean {
  let total = 0;
  for (const definition of operation.variableDefinitions ?? []) {
    const type = typeFromAST(schema, definition.type);
    const named = type === undefined ? undefined : getNamedType(type);
    if (named !== undefined && isInputObjectType(named)) total += unfoldedFields(named, new Set());
    if (total > maxUnfoldedInputFields) return false;
  }
  return true;
}

/** The input fields of `type` with every nested input object unfolded; Infinity when it reaches itself. */
function unfoldedFields(type: GraphQLInputObjectType, path: Set<GraphQLInputObjectType>): number {
  const known = unfolded.get(type);
  if (known !== undefined) return known;
  if (path.has(type)) return Infinity;
  path.add(type);
  let count = 0;
  for (const field of Object.values(type.getFields())) {
    const named = getNamedType(field.type);
    count += 1 + (isInputObjectType(named) ? unfoldedFields(named, path) : 0);
    // Past the bound the exact number does not matter: stop unfolding.
    if (count > maxUnfoldedInputFields) {
      count = Infinity;
      break;
    }
  }
  path.delete(type);
  unfolded.set(type, count);
  return count;
}
