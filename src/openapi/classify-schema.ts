import { appendPointer, isRecord, type RefResolver } from "./resolve-ref.js";

/**
 * What a JSON Schema (OpenAPI 2.0 / 3.0 / 3.1 dialects) means for GraphQL, before any type is
 * named: nullability folded in from every way the dialects spell it (`nullable`, `x-nullable`,
 * `type: [X, "null"]`, `anyOf: [X, {type: "null"}]`, `enum: [..., null]`, `const: null`),
 * `allOf` merged, and `oneOf`/`anyOf` left as branches for the mapper to judge.
 */

export type ScalarName = "String" | "Int" | "Float" | "Boolean" | "JSON" | "DateTime" | "Date" | "Int64" | "Upload";

export interface SchemaEntry {
  schema: unknown;
  pointer: string;
}

export interface PropertyEntry extends SchemaEntry {
  key: string;
}

interface ShapeBase {
  nullable: boolean;
  description?: string;
}

export type SchemaShape =
  /** A `$ref` (with annotation siblings only): the mapper names the target once. */
  | (ShapeBase & { kind: "ref"; target: SchemaEntry })
  /** `$recursiveRef` / `$dynamicRef`: the nearest enclosing schema with a recursive anchor. */
  | (ShapeBase & { kind: "recursive" })
  | (ShapeBase & { kind: "scalar"; scalar: ScalarName })
  /** A string enum with at least two values, nulls removed. */
  | (ShapeBase & { kind: "enum"; values: string[] })
  | (ShapeBase & { kind: "object"; properties: PropertyEntry[]; required: ReadonlySet<string>; identity: object })
  | (ShapeBase & { kind: "array"; items: SchemaEntry })
  /** `oneOf`/`anyOf` with two or more branches that are not null. */
  | (ShapeBase & { kind: "union"; branches: SchemaEntry[]; identity: object; discriminator?: string })
  /** Anything GraphQL cannot type: free-form objects, maps, tuples, mixed types, `{}`. */
  | (ShapeBase & { kind: "json"; why: string });

/** Keys that describe or constrain a value without changing its GraphQL type. */
const annotationKeys = new Set([
  "description",
  "title",
  "summary",
  "default",
  "example",
  "examples",
  "readOnly",
  "writeOnly",
  "deprecated",
  "nullable",
  "x-nullable",
  "$comment",
  "externalDocs",
  "xml",
  "discriminator",
  "$schema",
  "$id",
  "$anchor",
  "$recursiveAnchor",
  "$dynamicAnchor",
  "$defs",
  "definitions",
  "required",
  "format",
  "pattern",
  "minLength",
  "maxLength",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "multipleOf",
  "minItems",
  "maxItems",
  "uniqueItems",
  "minProperties",
  "maxProperties",
  "contentMediaType",
  "contentEncoding",
  "contentSchema",
  "not",
]);

const int32 = { min: -(2 ** 31), max: 2 ** 31 - 1 };

export class SchemaClassifier {
  readonly #resolver: RefResolver;
  readonly #cache = new WeakMap<object, SchemaShape>();
  readonly #merged = new WeakMap<object, Record<string, unknown>>();
  /** Merged allOf objects: property name → pointer of the branch it came from. */
  readonly #origins = new WeakMap<object, Record<string, string>>();

  constructor(resolver: RefResolver) {
    this.#resolver = resolver;
  }

  /** The shape of `schema`, found at `pointer`. */
  classify(schema: unknown, pointer: string): SchemaShape {
    if (!isRecord(schema)) return { kind: "json", nullable: true, why: schema === false ? "never" : "any value" };
    const cached = this.#cache.get(schema);
    if (cached !== undefined) return cached;
    const shape = this.#classify(schema, pointer);
    this.#cache.set(schema, shape);
    return shape;
  }

  /** Follows `$ref`s: the schema behind `entry` and whether any hop on the way was nullable. */
  deref(entry: SchemaEntry): { entry: SchemaEntry; shape: SchemaShape; nullable: boolean } {
    let current = entry;
    let shape = this.classify(current.schema, current.pointer);
    let nullable = shape.nullable;
    for (let hops = 0; shape.kind === "ref" && hops < 64; hops++) {
      current = shape.target;
      shape = this.classify(current.schema, current.pointer);
      nullable ||= shape.nullable;
    }
    return { entry: current, shape, nullable };
  }

  #classify(schema: Record<string, unknown>, pointer: string): SchemaShape {
    const base: ShapeBase = { nullable: schema["nullable"] === true || schema["x-nullable"] === true };
    if (typeof schema["description"] === "string" && schema["description"].trim() !== "") base.description = schema["description"];

    if (typeof schema["$ref"] === "string") {
      const target = this.#resolver.resolve(schema["$ref"], appendPointer(pointer, "$ref"));
      const siblings = Object.keys(schema).filter((key) => key !== "$ref" && !isAnnotation(key));
      if (siblings.length === 0) return { ...base, kind: "ref", target: { schema: target.value, pointer: target.pointer } };
      // 3.1 lets a $ref stand beside other keywords: both apply, as in allOf.
      const { $ref, ...rest } = schema;
      return this.#classify({ ...rest, allOf: [{ $ref }, ...(Array.isArray(rest["allOf"]) ? rest["allOf"] : [])] }, pointer);
    }
    if (typeof schema["$recursiveRef"] === "string" || typeof schema["$dynamicRef"] === "string") return { ...base, kind: "recursive" };

    if (Array.isArray(schema["allOf"]) && schema["allOf"].length > 0) return this.#classifyAllOf(schema, pointer, base);

    const branchKey = Array.isArray(schema["oneOf"]) ? "oneOf" : Array.isArray(schema["anyOf"]) ? "anyOf" : undefined;
    if (branchKey !== undefined && !hasOwnStructure(schema)) {
      const all = (schema[branchKey] as unknown[]).map((branch, index) => ({
        schema: branch,
        pointer: appendPointer(appendPointer(pointer, branchKey), index),
      }));
      const branches = all.filter((branch) => !isNullSchema(branch.schema));
      if (branches.length < all.length) base.nullable = true;
      const only = branches.length === 1 ? branches[0] : undefined;
      if (only !== undefined) {
        const inner = this.classify(only.schema, only.pointer);
        return {
          ...inner,
          nullable: inner.nullable || base.nullable,
          ...(base.description === undefined ? {} : { description: base.description }),
        };
      }
      if (branches.length === 0) return { ...base, kind: "json", nullable: true, why: "only null" };
      const discriminator = isRecord(schema["discriminator"]) ? schema["discriminator"]["propertyName"] : undefined;
      return { ...base, kind: "union", branches, identity: schema, ...(typeof discriminator === "string" ? { discriminator } : {}) };
    }

    let types =
      typeof schema["type"] === "string"
        ? [schema["type"]]
        : Array.isArray(schema["type"])
          ? schema["type"].filter((t): t is string => typeof t === "string")
          : [];
    if (types.includes("null")) {
      base.nullable = true;
      types = types.filter((t) => t !== "null");
    }
    if ("const" in schema) {
      if (schema["const"] === null) return { ...base, kind: "json", nullable: true, why: "always null" };
      return { ...base, kind: "scalar", scalar: scalarOfValues([schema["const"]]) };
    }
    if (Array.isArray(schema["enum"])) {
      const values = schema["enum"].filter((value) => value !== null);
      if (values.length < schema["enum"].length) base.nullable = true;
      if (values.length === 0) return { ...base, kind: "json", nullable: true, why: "always null" };
      const strings = values.every((value): value is string => typeof value === "string");
      if (strings && values.length >= 2 && (types.length === 0 || types.every((t) => t === "string"))) {
        return { ...base, kind: "enum", values: [...new Set(values)] };
      }
      return { ...base, kind: "scalar", scalar: scalarOfValues(values) };
    }
    if (types.length > 1) {
      const numeric = types.every((t) => t === "integer" || t === "number");
      return numeric ? { ...base, kind: "scalar", scalar: "Float" } : { ...base, kind: "json", why: `several types (${types.join(", ")})` };
    }
    const type = types[0] ?? inferType(schema);
    switch (type) {
      case "string":
        return { ...base, kind: "scalar", scalar: stringScalar(schema["format"]) };
      case "integer":
        return { ...base, kind: "scalar", scalar: integerScalar(schema) };
      case "number":
        return { ...base, kind: "scalar", scalar: "Float" };
      case "boolean":
        return { ...base, kind: "scalar", scalar: "Boolean" };
      case "array":
        if (Array.isArray(schema["prefixItems"]) || Array.isArray(schema["items"])) return { ...base, kind: "json", why: "a tuple" };
        return { ...base, kind: "array", items: { schema: schema["items"] ?? {}, pointer: appendPointer(pointer, "items") } };
      case "object":
        return this.#classifyObject(schema, pointer, base);
      default:
        // `{}` (no type) admits every JSON value, null included.
        return type === undefined
          ? { ...base, kind: "json", nullable: true, why: "any value" }
          : { ...base, kind: "json", why: `type "${type}"` };
    }
  }

  #classifyObject(schema: Record<string, unknown>, pointer: string, base: ShapeBase): SchemaShape {
    const properties = isRecord(schema["properties"]) ? schema["properties"] : {};
    const keys = Object.keys(properties);
    if (keys.length === 0) {
      const map = schema["additionalProperties"] !== undefined && schema["additionalProperties"] !== false;
      return { ...base, kind: "json", why: map || isRecord(schema["patternProperties"]) ? "a map" : "a free-form object" };
    }
    const origins = this.#origins.get(schema);
    const entries = keys.map((key) => ({
      key,
      schema: properties[key],
      pointer: origins?.[key] ?? appendPointer(appendPointer(pointer, "properties"), key),
    }));
    const required = new Set(Array.isArray(schema["required"]) ? schema["required"].filter((k): k is string => typeof k === "string") : []);
    return { ...base, kind: "object", properties: entries, required, identity: schema };
  }

  /** `allOf`: one `$ref` alone keeps its name; otherwise the branches merge into one object. */
  #classifyAllOf(schema: Record<string, unknown>, pointer: string, base: ShapeBase): SchemaShape {
    const branches = (schema["allOf"] as unknown[]).map((branch, index) => ({
      schema: branch,
      pointer: appendPointer(appendPointer(pointer, "allOf"), index),
    }));
    const structural = branches.filter((branch) => isRecord(branch.schema) && Object.keys(branch.schema).some((key) => !isAnnotation(key)));
    const only = structural.length === 1 ? structural[0] : undefined;
    if (only !== undefined && !hasOwnStructure(schema, ["allOf"])) {
      const inner = this.classify(only.schema, only.pointer);
      const outer = base.description === undefined ? {} : { description: base.description };
      return { ...inner, ...outer, nullable: base.nullable || inner.nullable };
    }
    let merged = this.#merged.get(schema);
    if (merged === undefined) {
      merged = this.#mergeAllOf(schema, pointer, new Set());
      this.#merged.set(schema, merged);
    }
    const shape = this.#classify(merged, pointer);
    return { ...shape, nullable: base.nullable || shape.nullable };
  }

  #mergeAllOf(schema: Record<string, unknown>, pointer: string, seen: Set<object>): Record<string, unknown> {
    seen.add(schema);
    const { allOf, ...own } = schema;
    const result: Record<string, unknown> = {};
    const properties: Record<string, unknown> = {};
    const origins: Record<string, string> = {};
    const required = new Set<string>();
    const absorb = (part: Record<string, unknown>, partPointer: string) => {
      for (const [key, value] of Object.entries(part)) {
        if (key === "properties" && isRecord(value)) {
          for (const [name, property] of Object.entries(value)) {
            properties[name] = property;
            origins[name] = appendPointer(appendPointer(partPointer, "properties"), name);
          }
        } else if (key === "required" && Array.isArray(value)) {
          for (const name of value) if (typeof name === "string") required.add(name);
        } else if (key !== "nullable" && key !== "anyOf" && key !== "oneOf" && !(key in result)) {
          result[key] = value;
        }
      }
    };
    (allOf as unknown[]).forEach((branch, index) => {
      const found = this.#resolver.deref(branch, appendPointer(appendPointer(pointer, "allOf"), index));
      if (!isRecord(found.value) || seen.has(found.value)) return;
      const part = Array.isArray(found.value["allOf"]) ? this.#mergeAllOf(found.value, found.pointer, seen) : found.value;
      absorb(part, found.pointer);
      Object.assign(origins, this.#origins.get(part));
    });
    absorb(own, pointer);
    if (Object.keys(properties).length > 0) {
      result["properties"] = properties;
      this.#origins.set(result, origins);
      if (result["type"] === undefined) result["type"] = "object";
    }
    if (required.size > 0) result["required"] = [...required];
    return result;
  }
}

function isAnnotation(key: string): boolean {
  return annotationKeys.has(key) || key.startsWith("x-");
}

/** Whether the schema says more than its `oneOf`/`anyOf` (then those only add constraints). */
function hasOwnStructure(schema: Record<string, unknown>, ignore: string[] = []): boolean {
  return Object.keys(schema).some(
    (key) =>
      !isAnnotation(key) &&
      key !== "oneOf" &&
      key !== "anyOf" &&
      !ignore.includes(key) &&
      !(key === "type" && schema[key] === "object" && !isRecord(schema["properties"])),
  );
}

export function isNullSchema(schema: unknown): boolean {
  if (!isRecord(schema)) return false;
  if (schema["type"] === "null") return true;
  if (Array.isArray(schema["type"]) && schema["type"].length === 1 && schema["type"][0] === "null") return true;
  if (Array.isArray(schema["enum"]) && schema["enum"].length === 1 && schema["enum"][0] === null) return true;
  return "const" in schema && schema["const"] === null;
}

function inferType(schema: Record<string, unknown>): string | undefined {
  if (isRecord(schema["properties"]) || schema["additionalProperties"] !== undefined || isRecord(schema["patternProperties"]))
    return "object";
  if (schema["items"] !== undefined || Array.isArray(schema["prefixItems"])) return "array";
  if (typeof schema["format"] === "string") return ["int32", "int64"].includes(schema["format"]) ? "integer" : "string";
  return undefined;
}

function stringScalar(format: unknown): ScalarName {
  if (format === "date-time") return "DateTime";
  if (format === "date") return "Date";
  return "String";
}

/** GraphQL's Int is 32-bit signed; wider integers get the Int64 scalar. */
function integerScalar(schema: Record<string, unknown>): ScalarName {
  const format = schema["format"];
  if (format === "int64" || format === "uint64" || format === "uint32") return "Int64";
  for (const key of ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"]) {
    const bound = schema[key];
    if (typeof bound === "number" && (bound < int32.min || bound > int32.max)) return "Int64";
  }
  return "Int";
}

/** The scalar that holds every value of a `const` or a non-string `enum`. */
function scalarOfValues(values: readonly unknown[]): ScalarName {
  if (values.every((value) => typeof value === "string")) return "String";
  if (values.every((value) => typeof value === "boolean")) return "Boolean";
  if (values.every((value) => typeof value === "number" && Number.isInteger(value))) {
    return values.every((value) => (value as number) >= int32.min && (value as number) <= int32.max) ? "Int" : "Int64";
  }
  if (values.every((value) => typeof value === "number")) return "Float";
  return "JSON";
}
