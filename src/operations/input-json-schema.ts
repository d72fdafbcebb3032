import {
  GraphQLBoolean,
  GraphQLFloat,
  GraphQLID,
  GraphQLInt,
  GraphQLString,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  type GraphQLEnumType,
  type GraphQLInputType,
  type GraphQLScalarType,
} from "graphql";

/** A JSON Schema (2020-12, the dialect of OpenAPI 3.1 and of MCP tool schemas), as plain data. */
export type JsonSchema = { [keyword: string]: unknown };

/** Where input object types are defined once (they may be recursive) and how a schema points at one. */
export interface SchemaDefinitions {
  /** `#/components/schemas/` (OpenAPI) or `#/$defs/` (a standalone schema). */
  readonly refBase: string;
  /** Filled with each input object met, by its GraphQL name. */
  readonly schemas: Map<string, JsonSchema>;
}

/**
 * The JSON Schema of a GraphQL input type, as a variable of that type accepts it: non-null
 * types refuse null, lists are arrays, Int a 32-bit integer, enums their value names, input
 * objects a `$ref` to an object whose required properties are its non-null fields without a
 * default. A custom scalar accepts any JSON value (its own rules apply when the operation runs).
 */
export function inputJsonSchema(type: GraphQLInputType, definitions: SchemaDefinitions): JsonSchema {
  if (isNonNullType(type)) return nonNullInput(type.ofType, definitions);
  return nullable(nonNullInput(type, definitions));
}

function nonNullInput(type: GraphQLInputType, definitions: SchemaDefinitions): JsonSchema {
  if (isListType(type)) return { type: "array", items: inputJsonSchema(type.ofType, definitions) };
  if (isScalarType(type)) return scalarJsonSchema(type);
  if (isEnumType(type)) return enumJsonSchema(type);
  if (isInputObjectType(type)) {
    if (!definitions.schemas.has(type.name)) {
      const object: JsonSchema = { type: "object" };
      definitions.schemas.set(type.name, object);
      const properties: Record<string, JsonSchema> = {};
      const required: string[] = [];
      for (const field of Object.values(type.getFields())) {
        const schema = inputJsonSchema(field.type, definitions);
        properties[field.name] = withDescription(schema, field.description);
        if (isNonNullType(field.type) && field.defaultValue === undefined) required.push(field.name);
      }
      if (type.description) object["description"] = type.description;
      object["properties"] = properties;
      if (required.length > 0) object["required"] = required;
      object["additionalProperties"] = false;
    }
    return { $ref: definitions.refBase + type.name };
  }
  return {};
}

/** A scalar's JSON Schema: the five specified scalars by their JSON form, any value for the others. */
export function scalarJsonSchema(type: GraphQLScalarType): JsonSchema {
  switch (type.name) {
    case GraphQLInt.name:
      return { type: "integer", minimum: -2147483648, maximum: 2147483647 };
    case GraphQLFloat.name:
      return { type: "number" };
    case GraphQLString.name:
    case GraphQLID.name:
      return { type: "string" };
    case GraphQLBoolean.name:
      return { type: "boolean" };
    default:
      return type.description ? { description: type.description } : {};
  }
}

export function enumJsonSchema(type: GraphQLEnumType): JsonSchema {
  const schema: JsonSchema = { type: "string", enum: type.getValues().map((value) => value.name) };
  if (type.description) schema["description"] = type.description;
  return schema;
}

/** The schema that also accepts null: `type` gains "null", a `$ref` becomes one of it or null; "any" stays. */
export function nullable(schema: JsonSchema): JsonSchema {
  if (typeof schema["type"] === "string") {
    const widened: JsonSchema = { ...schema, type: [schema["type"], "null"] };
    if (Array.isArray(schema["enum"])) widened["enum"] = [...(schema["enum"] as unknown[]), null];
    return widened;
  }
  if (schema["type"] === undefined && schema["$ref"] === undefined && schema["anyOf"] === undefined) return schema;
  return { anyOf: [schema, { type: "null" }] };
}

/** The schema with a description added (a field's or a variable's), unless it has none. */
export function withDescription(schema: JsonSchema, description: string | null | undefined): JsonSchema {
  return description ? { ...schema, description } : schema;
}

/** Whether a query parameter of this type is JSON text (an input object, a list of lists, a list of input objects) rather than plain values. */
export function isJsonText(type: GraphQLInputType): boolean {
  const named = isNonNullType(type) ? type.ofType : type;
  if (isInputObjectType(named)) return true;
  if (!isListType(named)) return false;
  const item = isNonNullType(named.ofType) ? named.ofType.ofType : named.ofType;
  return isListType(item) || isInputObjectType(item);
}
