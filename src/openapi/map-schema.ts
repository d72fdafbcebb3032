import type { SchemaClassifier, ScalarName, SchemaEntry, SchemaShape } from "./classify-schema.js";
import { collapseScalarUnion } from "./collapse-scalar-union.js";
import { NameRegistry, toEnumValueName, toPascalCase, toTypeName } from "./graphql-names.js";
import { planObjectFields, type Direction, type Naming } from "./plan-object-fields.js";
import { isRecord, splitPointer } from "./resolve-ref.js";
import { readSchemaConstraints } from "./read-schema-constraints.js";
import { buildScalarType } from "./scalar-types.js";
import type { SdlDirective, SdlEnumValue, SdlInputValue, SdlField, SdlType } from "./sdl-model.js";

/**
 * JSON Schema → GraphQL types. A `$ref` target becomes one named type (its component name),
 * so shared and circular schemas are written once and cycles end at the name. Inline objects,
 * enums and unions are named after where they appear (`Pet` + `status` → PetStatus). Answers
 * map to object types, request data to input types (`PetInput`); one enum serves both.
 */

/** A type reference before its `!`: `Pet`, `[String!]`. */
export interface TypeUse {
  type: string;
  nullable: boolean;
  /** The named type is a generated enum (answers then keep it nullable: a value added upstream nulls that field only). */
  enum?: boolean;
  /** What the description should add: an open enum's values (`--enums string`). */
  note?: string;
}

/** `enum`: string enums become GraphQL enums; `string`: String fields that list the values in their description. */
export type EnumStyle = "enum" | "string";

export interface SchemaMapperOptions {
  classifier: SchemaClassifier;
  naming: Naming;
  names: NameRegistry;
  /** Type names already claimed for `$ref` targets, by pointer (components keep their names). */
  refNames: ReadonlyMap<string, string>;
  /** @default "enum" */
  enums?: EnumStyle;
}

/** The directive (one of Trestle's) that keeps an enum value's wire form when its GraphQL name had to change. */
export const enumValueDirective = "enumValue";

/** A `$ref` target being named: its memo key and the name claimed for it up front, if any. */
interface RefNaming {
  key: string;
  reserved: string | undefined;
}

export class SchemaMapper {
  readonly #classifier: SchemaClassifier;
  readonly #naming: Naming;
  readonly #names: NameRegistry;
  readonly #refNames: ReadonlyMap<string, string>;
  readonly #enumStyle: EnumStyle;
  readonly #types = new Map<string, SdlType>();
  readonly #scalars = new Set<ScalarName>();
  readonly #byRef = new Map<string, TypeUse>();
  readonly #byIdentity = { output: new WeakMap<object, TypeUse>(), input: new WeakMap<object, TypeUse>() };
  readonly #enums = new Map<string, string>();
  readonly #inProgress = new Set<string>();
  readonly #anchors: SchemaEntry[] = [];
  /** Why some objects became JSON; the importer prints these as comments. */
  readonly notes = new Set<string>();
  usesEnumValueDirective = false;

  constructor(options: SchemaMapperOptions) {
    this.#classifier = options.classifier;
    this.#naming = options.naming;
    this.#names = options.names;
    this.#refNames = options.refNames;
    this.#enumStyle = options.enums ?? "enum";
  }

  /** The GraphQL type for `schema` (found at `pointer`); `hint` names inline types. */
  map(schema: unknown, pointer: string, hint: string, direction: Direction): TypeUse {
    const shape = this.#classifier.classify(schema, pointer);
    return this.#mapShape(shape, hint, direction);
  }

  /** The `JSON` scalar, declared in the output from now on. */
  getJsonType(): TypeUse {
    return this.#scalar("JSON", true);
  }

  /** The `Upload` scalar (a file of a multipart request), declared in the output from now on. */
  getUploadType(): TypeUse {
    return this.#scalar("Upload", false);
  }

  /** A type made outside the schemas (a listing's connection types), under a name claimed with {@link claimTypeName}. */
  addType(type: SdlType): void {
    this.#types.set(type.name, type);
  }

  claimTypeName(base: string): string {
    return this.#names.claim(base);
  }

  /** Every named type the mapped schemas need, scalars included. */
  getTypes(): SdlType[] {
    const scalars = [...this.#scalars].flatMap((name) => buildScalarType(name) ?? []);
    return [...scalars, ...this.#types.values()];
  }

  #mapShape(shape: SchemaShape, hint: string, direction: Direction): TypeUse {
    const nullable = (use: TypeUse) => (shape.nullable && !use.nullable ? { ...use, nullable: true } : use);
    switch (shape.kind) {
      case "ref":
        return nullable(this.#mapRef(shape.target, direction));
      case "recursive": {
        const anchor = this.#anchors.at(-1);
        return nullable(anchor === undefined ? this.#scalar("JSON", true) : this.#mapRef(anchor, direction));
      }
      case "scalar":
        return this.#scalar(shape.scalar, shape.nullable);
      case "enum":
        return this.#enumUse(shape.values, toTypeName(hint), shape.description, undefined, shape.nullable);
      case "array": {
        const item = this.map(shape.items.schema, shape.items.pointer, `${hint}Item`, direction);
        // An answer's list keeps its other items when one holds a value the enum does not know.
        const itemType = render(direction === "output" && item.enum === true ? { ...item, nullable: true } : item);
        return { type: `[${itemType}]`, nullable: shape.nullable, ...(item.note === undefined ? {} : { note: item.note }) };
      }
      case "object":
        return nullable(this.#objectType(shape, hint, undefined, direction));
      case "union":
        return nullable(this.#unionType(shape, hint, undefined, direction));
      case "json":
        return this.#scalar("JSON", shape.nullable);
    }
  }

  /** A `$ref` target: named once per direction; scalars, lists and JSON are inlined. */
  #mapRef(target: SchemaEntry, direction: Direction): TypeUse {
    const shape = this.#classifier.classify(target.schema, target.pointer);
    const key = `${shape.kind === "enum" ? "" : direction}:${target.pointer}`;
    const known = this.#byRef.get(key);
    if (known !== undefined) return known;
    if (this.#inProgress.has(key)) return this.#scalar("JSON", true); // a list or alias that contains itself
    this.#inProgress.add(key);
    const anchored =
      isRecord(target.schema) && (target.schema["$recursiveAnchor"] === true || typeof target.schema["$dynamicAnchor"] === "string");
    if (anchored) this.#anchors.push(target);
    try {
      const reserved = this.#refNames.get(target.pointer);
      const base = reserved ?? toTypeName(pointerName(target.pointer));
      const named = { key, reserved };
      let use: TypeUse;
      if (shape.kind === "object") use = this.#objectType(shape, base, named, direction);
      else if (shape.kind === "union") use = this.#unionType(shape, base, named, direction);
      else if (shape.kind === "enum") use = this.#enumUse(shape.values, base, shape.description, reserved, shape.nullable);
      else use = this.#mapShape(shape, base, direction);
      if (shape.nullable && !use.nullable) use = { ...use, nullable: true };
      this.#byRef.set(key, use);
      return use;
    } finally {
      this.#inProgress.delete(key);
      if (anchored) this.#anchors.pop();
    }
  }

  #scalar(name: ScalarName, nullable: boolean): TypeUse {
    this.#scalars.add(name);
    return { type: name, nullable };
  }

  /**
   * The name for a new type. Component schemas had their names claimed up front (`reserved`),
   * so inline types never take them; inputs add `Input` unless the name already ends so.
   */
  #nameFor(direction: Direction, base: string, reserved: string | undefined): string {
    if (reserved !== undefined && !this.#types.has(reserved) && (direction === "output" || reserved.endsWith("Input"))) return reserved;
    return this.#names.claim(direction === "output" || base.endsWith("Input") ? base : `${base}Input`);
  }

  #objectType(shape: Extract<SchemaShape, { kind: "object" }>, hint: string, named: RefNaming | undefined, direction: Direction): TypeUse {
    const memo = this.#byIdentity[direction];
    const known = memo.get(shape.identity);
    if (known !== undefined) return known;
    const plan = planObjectFields(shape.properties, shape.required, direction, this.#naming);
    if (plan.kind === "json") {
      if (direction === "input" && shape.properties.length > 0) this.notes.add(`${toTypeName(hint)} (input) is JSON: ${plan.reason}`);
      const use = this.#scalar("JSON", shape.nullable);
      memo.set(shape.identity, use);
      return use;
    }
    const base = toTypeName(hint);
    const name = this.#nameFor(direction, base, named?.reserved);
    const use: TypeUse = { type: name, nullable: shape.nullable };
    memo.set(shape.identity, use);
    if (named !== undefined) this.#byRef.set(named.key, use);
    const describe = (text: string | undefined) => (text === undefined ? {} : { description: text });
    if (direction === "output") {
      const fields: SdlField[] = [];
      this.#types.set(name, { kind: "object", name, ...describe(shape.description), fields, comments: plan.comments });
      for (const field of plan.fields) {
        const raw = isRecord(field.entry.schema) ? field.entry.schema : {};
        const type = this.map(field.entry.schema, field.entry.pointer, `${base}${toPascalCase(field.key)}`, "output");
        const directives: SdlDirective[] = [];
        if (field.from !== undefined) directives.push({ name: "from", args: [["path", field.from]] });
        if (raw["deprecated"] === true) directives.push({ name: "deprecated", args: [] });
        const nonNull = field.required && !type.nullable && type.enum !== true;
        fields.push({
          name: field.name,
          ...describe(joinText(describeProperty(raw), type.note)),
          args: [],
          type: render({ ...type, nullable: !nonNull }),
          directives,
          comments: [],
        });
      }
    } else {
      const fields: SdlInputValue[] = [];
      this.#types.set(name, { kind: "input", name, ...describe(shape.description), fields, comments: [] });
      for (const field of plan.fields) {
        const raw = isRecord(field.entry.schema) ? field.entry.schema : {};
        const type = this.map(field.entry.schema, field.entry.pointer, `${base}${toPascalCase(field.key)}`, "input");
        const nonNull = field.required && !type.nullable && raw["default"] === undefined;
        const rendered = render({ ...type, nullable: !nonNull });
        const constraints = readSchemaConstraints(field.entry, rendered, field.name, this.#classifier);
        const directives: SdlDirective[] = raw["deprecated"] === true && !nonNull ? [{ name: "deprecated", args: [] }] : [];
        if (constraints.directive !== undefined) directives.push(constraints.directive);
        const description = joinText(describeProperty(raw), type.note, constraints.description);
        fields.push({ name: field.name, ...describe(description), type: rendered, directives });
      }
    }
    return use;
  }

  /** Output unions need every branch to be an object type; anything else collapses to a scalar or JSON. */
  #unionType(shape: Extract<SchemaShape, { kind: "union" }>, hint: string, named: RefNaming | undefined, direction: Direction): TypeUse {
    const memo = this.#byIdentity[direction];
    const known = memo.get(shape.identity);
    if (known !== undefined) return known;
    const members = direction === "output" ? this.#objectMembers(shape.branches, new Set()) : undefined;
    if (members === undefined) {
      const collapsed = collapseScalarUnion(shape.branches, this.#classifier);
      const use = this.#scalar(collapsed.scalar, collapsed.nullable || shape.nullable);
      memo.set(shape.identity, use);
      return use;
    }
    const base = toTypeName(hint);
    const name = this.#nameFor("output", base, named?.reserved);
    const use: TypeUse = { type: name, nullable: shape.nullable };
    memo.set(shape.identity, use);
    if (named !== undefined) this.#byRef.set(named.key, use);
    const names: string[] = [];
    const description = [
      shape.description,
      shape.discriminator === undefined ? undefined : `Told apart by the \`${shape.discriminator}\` property.`,
    ]
      .filter((text) => text !== undefined)
      .join("\n\n");
    this.#types.set(name, { kind: "union", name, ...(description === "" ? {} : { description }), members: names, comments: [] });
    members.forEach(({ entry, named: isNamed }, index) => {
      const title = isRecord(entry.schema) && typeof entry.schema["title"] === "string" ? toPascalCase(entry.schema["title"]) : "";
      const type = isNamed
        ? this.#mapRef(entry, "output")
        : this.map(entry.schema, entry.pointer, `${base}${title === "" ? `Option${index + 1}` : title}`, "output");
      if (!names.includes(type.type)) names.push(type.type);
    });
    return use;
  }

  /** The object branches of a union (nested unions flattened), or undefined when one is not an object. */
  #objectMembers(branches: readonly SchemaEntry[], seen: Set<string>): Array<{ entry: SchemaEntry; named: boolean }> | undefined {
    const members: Array<{ entry: SchemaEntry; named: boolean }> = [];
    for (const branch of branches) {
      let { entry, shape } = this.#classifier.deref(branch);
      if (shape.kind === "recursive") {
        const anchor = this.#anchors.at(-1);
        if (anchor === undefined) return undefined;
        ({ entry, shape } = this.#classifier.deref(anchor));
      }
      if (shape.kind === "union") {
        if (seen.has(entry.pointer)) continue;
        seen.add(entry.pointer);
        const nested = this.#objectMembers(shape.branches, seen);
        if (nested === undefined) return undefined;
        members.push(...nested);
        continue;
      }
      if (shape.kind !== "object") return undefined;
      if (planObjectFields(shape.properties, shape.required, "output", this.#naming).kind !== "fields") return undefined;
      members.push({ entry, named: entry !== branch });
    }
    return members;
  }

  /** An enum type, or with `--enums string` a String whose values the description lists. */
  #enumUse(
    values: readonly string[],
    base: string,
    description: string | undefined,
    reserved: string | undefined,
    nullable: boolean,
  ): TypeUse {
    if (this.#enumStyle === "string")
      return { ...this.#scalar("String", nullable), note: `One of: ${values.map((v) => `\`${v}\``).join(", ")}.` };
    // Pydantic v1 describes every enum as "An enumeration.": that says nothing.
    const said = description?.trim() === "An enumeration." ? undefined : description;
    return { type: this.#enumType(values, base, said, reserved), nullable, enum: true };
  }

  /** Enums keep values that are valid names; others get a valid name and `@enumValue(value:)`. */
  #enumType(values: readonly string[], base: string, description: string | undefined, reserved: string | undefined): string {
    const key = `${base}\u0000${values.join("\u0000")}`;
    const known = this.#enums.get(key);
    if (known !== undefined) return known;
    const name = this.#nameFor("output", base, reserved);
    this.#enums.set(key, name);
    // Values that are valid names keep them; the renamed ones take what is left.
    const used = new NameRegistry(values.filter((value) => toEnumValueName(value) === value));
    const enumValues: SdlEnumValue[] = values.map((value) => {
      if (toEnumValueName(value) === value) return { name: value, directives: [] };
      this.usesEnumValueDirective = true;
      return { name: used.claim(toEnumValueName(value)), directives: [{ name: enumValueDirective, args: [["value", value]] }] };
    });
    this.#types.set(name, { kind: "enum", name, ...(description === undefined ? {} : { description }), values: enumValues, comments: [] });
    return name;
  }
}

/** `Pet` → "Pet"; `[Pet!]` nullable → "[Pet!]"; non-null → "[Pet!]!". */
export function render(use: TypeUse): string {
  return use.nullable ? use.type : `${use.type}!`;
}

/** The last meaningful key of a pointer: `#/components/schemas/Pet` → Pet. */
function pointerName(pointer: string): string {
  const keys = splitPointer(pointer).filter(
    (key) => !/^\d+$/.test(key) && !["schema", "items", "properties", "content", "application/json"].includes(key),
  );
  return keys.at(-1) ?? "Schema";
}

function describeProperty(schema: Record<string, unknown>): string | undefined {
  const text = schema["description"];
  return typeof text === "string" && text.trim() !== "" ? text : undefined;
}

/** Description paragraphs, the missing ones left out; undefined when none is left. */
export function joinText(...parts: Array<string | undefined>): string | undefined {
  const text = parts.filter((part): part is string => part !== undefined && part.trim() !== "").join("\n\n");
  return text === "" ? undefined : text;
}
