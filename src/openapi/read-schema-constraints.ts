import type { SchemaClassifier, SchemaEntry } from "./classify-schema.js";
import { isNullSchema } from "./classify-schema.js";
import { isRecord } from "./resolve-ref.js";
import { printValue } from "./print-sdl.js";
import { compilePattern, emptyRanges } from "../sdl/read-constraints.js";
import type { SdlDirective, SdlValue } from "./sdl-model.js";
import type { ConstraintPlan } from "../plan/schema-plan.js";

/**
 * JSON Schema's validation keywords → `@constraint(...)` and a sentence for the description
 * ("1 ≤ limit ≤ 100"). Read through `$ref`s, `allOf` and FastAPI's `anyOf: [X, null]`; on an
 * array, `minItems`/`maxItems` come from the array and the other bounds from its (innermost)
 * items. Only bounds the GraphQL type can have are kept (`type` is the rendered type, `[Float!]!`);
 * a pattern Trestle would not run (too long, nested quantifiers) stays in the description only.
 */

export interface SchemaConstraints {
  directive?: SdlDirective;
  description?: string;
}

/** A `@constraint`'s arguments as the document states them: the plan's bounds, the pattern as text. */
type Bounds = Omit<ConstraintPlan, "pattern"> & { pattern?: string };

const order: Array<keyof Bounds> = [
  "min",
  "max",
  "exclusiveMin",
  "exclusiveMax",
  "minLength",
  "maxLength",
  "minItems",
  "maxItems",
  "pattern",
];

export function readSchemaConstraints(entry: SchemaEntry, type: string, name: string, classifier: SchemaClassifier): SchemaConstraints {
  const named = type.replace(/[[\]!]/g, "");
  const isList = type.startsWith("[");
  const own = collect(entry, classifier, 0);
  const bounds: Bounds = {};
  if (isList) {
    copy(own, bounds, ["minItems", "maxItems"]);
    let items = own.items;
    while (items?.items !== undefined) items = items.items;
    if (items !== undefined) copy(items, bounds, ["min", "max", "exclusiveMin", "exclusiveMax", "minLength", "maxLength", "pattern"]);
  } else {
    copy(own, bounds, ["min", "max", "exclusiveMin", "exclusiveMax", "minLength", "maxLength", "pattern"]);
  }
  if (!["Int", "Float", "Int64"].includes(named))
    for (const key of ["min", "max", "exclusiveMin", "exclusiveMax"] as const) delete bounds[key];
  if (!["String", "ID"].includes(named)) for (const key of ["minLength", "maxLength", "pattern"] as const) delete bounds[key];
  let unchecked: string | undefined;
  if (bounds.pattern !== undefined && typeof compilePattern(bounds.pattern) === "string") {
    unchecked =
      bounds.pattern.length > 200 ? `a pattern of ${bounds.pattern.length} characters` : `the pattern ${printValue(bounds.pattern)}`;
    delete bounds.pattern;
  }
  // Bounds that leave no value (a document's mistake) are the upstream's to enforce, not a schema `trestle check` refuses.
  const empty = emptyRanges(bounds).flat();
  if (empty.length > 0) {
    const stated = [...new Set(empty)].map((key) => `${key} ${bounds[key]}`).join(", ");
    unchecked =
      unchecked === undefined ? `bounds that leave no value (${stated})` : `${unchecked}, nor bounds that leave no value (${stated})`;
    for (const key of empty) delete bounds[key];
  }
  const sentence = describeBounds(bounds, isList ? "each item" : name);
  const args = order.flatMap((key): Array<[string, SdlValue]> => (bounds[key] === undefined ? [] : [[key, bounds[key]]]));
  const parts = [sentence, unchecked === undefined ? undefined : `Trestle does not check ${unchecked}: the upstream does.`];
  const description = parts.filter((part) => part !== undefined && part !== "").join(" ");
  return {
    ...(args.length === 0 ? {} : { directive: { name: "constraint", args } }),
    ...(description === "" ? {} : { description }),
  };
}

type Collected = Bounds & { items?: Collected };

function collect(entry: SchemaEntry, classifier: SchemaClassifier, depth: number): Collected {
  const found: Collected = {};
  if (depth > 8) return found;
  const { entry: target } = classifier.deref(entry);
  const schemas = [entry.schema, target.schema].filter(isRecord);
  for (const schema of schemas) {
    read(schema, found);
    for (const key of ["allOf", "anyOf", "oneOf"]) {
      const branches = Array.isArray(schema[key]) ? (schema[key] as unknown[]).filter((b) => !isNullSchema(b)) : [];
      if (key === "allOf" ? branches.length === 0 : branches.length !== 1) continue;
      for (const branch of branches) fill(found, collect({ schema: branch, pointer: target.pointer }, classifier, depth + 1));
    }
    if (schema["items"] !== undefined && found.items === undefined)
      found.items = collect({ schema: schema["items"], pointer: `${target.pointer}/items` }, classifier, depth + 1);
  }
  return found;
}

function read(schema: Record<string, unknown>, into: Bounds): void {
  const number = (key: string) => (typeof schema[key] === "number" && Number.isFinite(schema[key]) ? (schema[key] as number) : undefined);
  const count = (key: string) => {
    const value = number(key);
    return value !== undefined && Number.isInteger(value) && value >= 0 && value < 2 ** 31 ? value : undefined;
  };
  const set = <K extends keyof Bounds>(key: K, value: Bounds[K] | undefined) => {
    if (value !== undefined && into[key] === undefined) into[key] = value;
  };
  // OpenAPI 3.0 (JSON Schema draft 4) spells exclusive bounds as booleans beside minimum/maximum.
  set(schema["exclusiveMinimum"] === true ? "exclusiveMin" : "min", number("minimum"));
  set(schema["exclusiveMaximum"] === true ? "exclusiveMax" : "max", number("maximum"));
  set("exclusiveMin", number("exclusiveMinimum"));
  set("exclusiveMax", number("exclusiveMaximum"));
  set("minLength", count("minLength"));
  set("maxLength", count("maxLength"));
  set("minItems", count("minItems"));
  set("maxItems", count("maxItems"));
  if (typeof schema["pattern"] === "string" && schema["pattern"] !== "") set("pattern", schema["pattern"]);
}

function fill(into: Collected, from: Collected): void {
  for (const key of order) if (into[key] === undefined && from[key] !== undefined) (into as Record<string, unknown>)[key] = from[key];
  if (into.items === undefined && from.items !== undefined) into.items = from.items;
}

function copy(from: Bounds, into: Bounds, keys: ReadonlyArray<keyof Bounds>): void {
  for (const key of keys) if (from[key] !== undefined) (into as Record<string, unknown>)[key] = from[key];
}

/** "1 ≤ limit ≤ 100; at least 2 characters; at least 1 item." */
function describeBounds(bounds: Bounds, subject: string): string {
  const parts: string[] = [];
  const low = bounds.exclusiveMin !== undefined ? `${bounds.exclusiveMin} < ` : bounds.min !== undefined ? `${bounds.min} ≤ ` : "";
  const high = bounds.exclusiveMax !== undefined ? ` < ${bounds.exclusiveMax}` : bounds.max !== undefined ? ` ≤ ${bounds.max}` : "";
  if (low !== "" || high !== "") parts.push(`${low}${subject}${high}`);
  parts.push(...range(bounds.minLength, bounds.maxLength, "character", subject));
  if (bounds.pattern !== undefined) parts.push(`${subject} matches ${printValue(bounds.pattern)}`);
  parts.unshift(...range(bounds.minItems, bounds.maxItems, "item", undefined));
  return parts.length === 0 ? "" : `${capitalise(parts.join("; "))}.`;
}

function range(min: number | undefined, max: number | undefined, unit: string, subject: string | undefined): string[] {
  const units = (n: number) => `${n} ${unit}${n === 1 ? "" : "s"}`;
  const text =
    min !== undefined && max !== undefined
      ? min === max
        ? `exactly ${units(min)}`
        : `${min} to ${units(max)}`
      : min !== undefined
        ? `at least ${units(min)}`
        : max !== undefined
          ? `at most ${units(max)}`
          : undefined;
  if (text === undefined) return [];
  return [subject === undefined || subject !== "each item" ? text : `each item ${text}`];
}

function capitalise(text: string): string {
  return text
    .replace(/^each/, "Each")
    .replace(/^at /, "At ")
    .replace(/^exactly/, "Exactly");
}
