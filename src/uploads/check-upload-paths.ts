import {
  getNamedType,
  getNullableType,
  getOperationAST,
  isInputObjectType,
  isListType,
  isScalarType,
  parse,
  typeFromAST,
  type GraphQLInputType,
  type GraphQLSchema,
} from "graphql";
import { echo, malformed, type UploadRequestError } from "./upload-request-error.js";

/**
 * Whether each place `map` fills is typed `Upload` by the operation's variables (a list item
 * of `[Upload]`, an input field of type `Upload`): a file put in a `String`, an `Int` or a
 * pass-through scalar such as `JSON` is a malformed request (400), found before anything runs.
 * A document that does not parse, or an operation that cannot be picked, is left to the
 * engine, which answers it in its own words.
 */
export function checkUploadPaths(
  schema: GraphQLSchema,
  operations: Record<string, unknown>,
  paths: ReadonlyMap<string, readonly string[]>,
  maxTokens: number,
): UploadRequestError | undefined {
  if (paths.size === 0 || typeof operations["query"] !== "string") return undefined;
  let operation;
  try {
    const name = operations["operationName"];
    operation = getOperationAST(parse(operations["query"], { maxTokens }), typeof name === "string" ? name : undefined);
  } catch {
    return undefined;
  }
  if (operation == null) return undefined;
  const variables = new Map((operation.variableDefinitions ?? []).map((definition) => [definition.variable.name.value, definition]));
  for (const [part, list] of paths) {
    for (const path of list) {
      const [, variable = "", ...rest] = path.split(".");
      const definition = variables.get(variable);
      const type = definition === undefined ? undefined : (typeFromAST(schema, definition.type) as GraphQLInputType | undefined);
      const found = type === undefined ? "no variable of the operation" : typeAt(type, rest);
      if (found !== "Upload") return malformed(`"map" entry ${echo(part)} puts a file in ${echo(path)}, which is ${found}, not an Upload.`);
    }
  }
  return undefined;
}

/** The named type a path reaches inside an input type ("Upload", "String"…), or what stops it. */
function typeAt(type: GraphQLInputType, path: readonly string[]): string {
  let current: GraphQLInputType = type;
  for (const step of path) {
    const nullable = getNullableType(current);
    if (isListType(nullable) && /^\d+$/.test(step)) current = nullable.ofType as GraphQLInputType;
    else if (isInputObjectType(nullable) && nullable.getFields()[step] !== undefined) current = nullable.getFields()[step]!.type;
    else return `not a place in ${String(current)}`;
  }
  const named = getNamedType(current);
  return isScalarType(named) && named.name === "Upload" && !isListType(getNullableType(current)) ? "Upload" : `of type ${String(current)}`;
}
