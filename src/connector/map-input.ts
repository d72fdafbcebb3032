import { getNamedType, getNullableType, isInputObjectType, isListType, type GraphQLInputType } from "graphql";
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
  const fields = nullable.getFields();
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const field = fields[key];
    out[toSnakeCase(key)] = toUpstreamInput(item, field?.type);
  }
  return out;
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
