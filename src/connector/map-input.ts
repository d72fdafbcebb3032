import { getNamedType, getNullableType, isInputObjectType, isListType, type GraphQLInputObjectType, type GraphQLInputType } from "graphql";
import { toSnakeCase } from "../sdl/build-schema-plan.js";

/**
 * Converts a GraphQL input value to the upstream's key naming by walking its input type:
 * input object fields go out snake_case; scalars (a JSON scalar included) are left untouched.
 */
export function toUpstreamInput(value: unknown, type: GraphQLInputType | undefined): unknown {
  if (value === null || value === undefined || type === undefined) return value;
  const nullable = getNullableType(type);
  if (isListType(nullable)) {
    return Array.isArray(value) ? value.map((item) => toUpstreamInput(item, nullable.ofType)) : toUpstreamInput(value, nullable.ofType);
  }
  if (!isInputObjectType(nullable) || typeof value !== "object") return value;
  const fields = upstreamFieldsOf(nullable);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const item = (value as Record<string, unknown>)[key];
    const field = fields.get(key);
    if (field !== undefined) out[field.name] = toUpstreamInput(item, field.type);
    else out[toSnakeCase(key)] = item;
  }
  return out;
}

/** Each input object type's fields by GraphQL name: their snake_case name and type, worked out once per type. */
const upstreamFields = new WeakMap<GraphQLInputObjectType, Map<string, { name: string; type: GraphQLInputType }>>();

function upstreamFieldsOf(type: GraphQLInputObjectType): Map<string, { name: string; type: GraphQLInputType }> {
  let fields = upstreamFields.get(type);
  if (fields === undefined) {
    fields = new Map(Object.values(type.getFields()).map((field) => [field.name, { name: toSnakeCase(field.name), type: field.type }]));
    upstreamFields.set(type, fields);
  }
  return fields;
}

/** The input type found at a dot path below an argument (`input.address` → the address type). */
export function inputTypeAt(type: GraphQLInputType | undefined, path: readonly string[]): GraphQLInputType | undefined {
  let current = type;
  for (const key of path) {
    const named = current === undefined ? undefined : getNamedType(current);
    if (!isInputObjectType(named)) return undefined;
    current = named.getFields()[key]?.type;
  }
  return current;
}
