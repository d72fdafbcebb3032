import { toSnakeCase } from "../sdl/build-schema-plan.js";

/**
 * Names for GraphQL (spec §2.1.9: letters, digits and `_`, no leading digit, no leading `__`)
 * made from OpenAPI's free-form ones. Every function here is pure and deterministic.
 */

const namePattern = /^[_A-Za-z][_0-9A-Za-z]*$/;

export function isValidName(name: string): boolean {
  return namePattern.test(name) && !name.startsWith("__");
}

/** Words of a name: split on anything not a letter or digit and on case changes (`HTTPError` → HTTP, Error). */
export function splitWords(text: string): string[] {
  return text
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2")
    .split(/[^A-Za-z0-9]+/)
    .filter((word) => word !== "");
}

/** `find pet by id` → FindPetById; `MODEL_NAME` → ModelName; `listPets` → ListPets. */
export function toPascalCase(text: string): string {
  const words = splitWords(text).map((word) => {
    const normal = /^[A-Z0-9]+$/.test(word) && word.length > 1 ? word.toLowerCase() : word;
    return normal.charAt(0).toUpperCase() + normal.slice(1);
  });
  return guardStart(words.join(""));
}

/** `x-prefect-api-version` → xPrefectApiVersion; `dag_id` → dagId; `petId` stays. */
export function toCamelCase(text: string): string {
  const pascal = toPascalCase(text);
  if (pascal.startsWith("_")) return pascal;
  const lead = /^[A-Z]+(?=[A-Z][a-z]|$)|^[A-Z]/.exec(pascal)?.[0] ?? "";
  return lead.toLowerCase() + pascal.slice(lead.length);
}

/**
 * The camelCase field for a snake_case JSON key, when the runtime's SNAKE_CASE naming maps it
 * back to exactly that key (`latest_version` → latestVersion); undefined when it cannot
 * (`top_5_items`, `fooBar_baz`, `@type`), and the field then needs `@from`.
 */
export function toSnakeRoundTripName(key: string): string | undefined {
  if (isValidName(key) && toSnakeCase(key) === key) {
    const camel = key.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
    if (isValidName(camel) && toSnakeCase(camel) === key) return camel;
  }
  return undefined;
}

/**
 * A type name: PascalCase names stay (`HTTPValidationError`); others are joined in PascalCase
 * keeping each word's letters (`inference_request` → InferenceRequest, `State-Input` → StateInput).
 */
export function toTypeName(text: string): string {
  if (/^[A-Z][A-Za-z0-9]*$/.test(text)) return text;
  const words = text.split(/[^A-Za-z0-9]+/).filter((word) => word !== "");
  return guardStart(words.map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join("")) || "Type";
}

/** A field or argument name that is valid as written, or made valid with as little change as possible. */
export function toFieldName(text: string): string {
  if (isValidName(text)) return text;
  const camel = toCamelCase(text);
  return camel === "" ? "_" : camel;
}

/** An enum value name: valid names stay; `gpt-4o` → gpt_4o, `1024x1024` → _1024x1024, `true` → true_. */
export function toEnumValueName(value: string): string {
  if (isValidName(value) && !["true", "false", "null"].includes(value)) return value;
  if (["true", "false", "null"].includes(value)) return `${value}_`;
  const name = value.replace(/[^_0-9A-Za-z]+/g, "_");
  return /^_*$/.test(name) ? "EMPTY" : guardStart(name);
}

function guardStart(name: string): string {
  if (name === "") return "";
  if (/^[0-9]/.test(name)) return `_${name}`;
  return name.startsWith("__") ? name.replace(/^_+/, "_") : name;
}

/** Hands out unique names: `Pet`, then `Pet2`, `Pet3`… */
export class NameRegistry {
  readonly #used: Set<string>;

  constructor(reserved: Iterable<string> = []) {
    this.#used = new Set(reserved);
  }

  has(name: string): boolean {
    return this.#used.has(name);
  }

  claim(base: string): string {
    let name = base;
    for (let n = 2; this.#used.has(name); n++) name = `${base}${n}`;
    this.#used.add(name);
    return name;
  }
}
