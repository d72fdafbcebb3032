import { parseDotPath } from "../sdl/diagnostics.js";
import type { PropertyEntry } from "./classify-schema.js";
import { isValidName, NameRegistry, toCamelCase, toFieldName, toSnakeRoundTripName } from "./graphql-names.js";
import { isRecord } from "./resolve-ref.js";

/**
 * Which GraphQL field each JSON property becomes. Answers (output types) can read any key:
 * a key the upstream's naming does not produce from the field name gets `@from(path: "key")`.
 * Inputs have no `@from`, so an input object with such a key cannot be typed field by field;
 * the mapper then takes that object as JSON.
 */

export type Naming = "AS_IS" | "SNAKE_CASE";
export type Direction = "output" | "input";

export interface PlannedField {
  key: string;
  name: string;
  /** The raw JSON key to read with `@from`, when `name` does not lead to it. */
  from?: string;
  entry: PropertyEntry;
  required: boolean;
}

export type FieldPlan = { kind: "fields"; fields: PlannedField[]; comments: string[] } | { kind: "json"; reason: string };

export function planObjectFields(
  properties: readonly PropertyEntry[],
  required: ReadonlySet<string>,
  direction: Direction,
  naming: Naming,
): FieldPlan {
  const names = new NameRegistry();
  const fields: PlannedField[] = [];
  const comments: string[] = [];
  for (const entry of properties) {
    const { key } = entry;
    const schema = isRecord(entry.schema) ? entry.schema : {};
    if (direction === "output" && schema["writeOnly"] === true) continue;
    if (direction === "input" && schema["readOnly"] === true) continue;
    const natural = naming === "SNAKE_CASE" ? toSnakeRoundTripName(key) : isValidName(key) ? key : undefined;
    if (direction === "input") {
      if (natural === undefined) {
        const how = naming === "SNAKE_CASE" ? "SNAKE_CASE naming cannot write it from a camelCase field" : "it is not a valid GraphQL name";
        return { kind: "json", reason: `key "${key}" cannot be an input field (${how})` };
      }
      if (names.has(natural)) return { kind: "json", reason: `keys "${key}" and another one map to the same field "${natural}"` };
      names.claim(natural);
      fields.push({ key, name: natural, entry, required: required.has(key) });
      continue;
    }
    const name = names.claim(natural ?? (naming === "SNAKE_CASE" ? toCamelFieldName(key) : toFieldName(key)));
    if (name === natural) {
      fields.push({ key, name, entry, required: required.has(key) });
    } else if (parseDotPath(key)?.length === 1) {
      fields.push({ key, name, from: key, entry, required: required.has(key) });
    } else {
      comments.push(`left out key ${JSON.stringify(key)}: @from takes a dot path, so a key holding ".", spaces or braces cannot be read`);
    }
  }
  if (fields.length === 0)
    return {
      kind: "json",
      reason: properties.length === 0 ? "no properties" : `no ${direction === "output" ? "readable" : "writable"} properties`,
    };
  return { kind: "fields", fields, comments };
}

function toCamelFieldName(key: string): string {
  const camel = toCamelCase(key);
  return isValidName(camel) ? camel : toFieldName(key);
}
