import {
  isEnumType,
  isListType,
  isNonNullType,
  isScalarType,
  typeFromAST,
  type GraphQLInputType,
  type GraphQLSchema,
  type VariableDefinitionNode,
} from "graphql";
import { isJsonText } from "./input-json-schema.js";

/** A request's variables, or why they cannot be read (a 400's detail, echoing the input). */
export type ReadVariables = { variables: Record<string, unknown> } | { invalid: string };

const maxEcho = 64;
const int = /^-?\d{1,10}$/;
const float = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/**
 * The variables of a GET: each query parameter is the variable of its name, typed by the
 * variable's type. Int and Float take JSON number syntax (no NaN, Infinity, hex or overflow),
 * Boolean `true`/`false`, String, ID, enums and custom scalars the text as it is; a list of those
 * is the parameter repeated (each one an item); an input object, or a list of input objects or
 * of lists, is one parameter of JSON text.
 * A parameter no variable takes, a single-valued parameter given twice, or a query string that
 * is not UTF-8 percent-encoding is refused. What is missing, or null, is left to the engine.
 */
export function readQueryVariables(query: string, definitions: readonly VariableDefinitionNode[], schema: GraphQLSchema): ReadVariables {
  const values = new Map<string, string[]>();
  for (const part of query.split("&")) {
    if (part === "") continue;
    const at = part.indexOf("=");
    let name: string, value: string;
    try {
      name = decode(at === -1 ? part : part.slice(0, at));
      value = at === -1 ? "" : decode(part.slice(at + 1));
    } catch {
      return { invalid: `the query string must be UTF-8 percent-encoding (RFC 3986), received ${echo(part)}` };
    }
    const list = values.get(name);
    if (list === undefined) values.set(name, [value]);
    else list.push(value);
  }
  const byName = new Map(definitions.map((definition) => [definition.variable.name.value, definition]));
  const entries: Array<[string, unknown]> = [];
  for (const [name, texts] of values) {
    const definition = byName.get(name);
    if (definition === undefined) return { invalid: unknownName("parameter", name, definitions) };
    const type = typeFromAST(schema, definition.type) as GraphQLInputType;
    const named = isNonNullType(type) ? type.ofType : type;
    const repeated = isListType(named) && !isJsonText(type);
    if (!repeated && texts.length > 1)
      return {
        invalid: `parameter "${name}" was given ${texts.length} times, but $${name}: ${String(type)} takes one value (only a list of scalars or enums is repeated)`,
      };
    const read = repeated ? texts.map((text) => readValue(name, named.ofType, text)) : [readValue(name, type, texts[0]!)];
    const failed = read.find((item): item is Invalid => item instanceof Invalid);
    if (failed !== undefined) return { invalid: failed.detail };
    entries.push([name, repeated ? read : read[0]]);
  }
  // fromEntries defines own properties: a "__proto__" entry stays data, never a prototype.
  return { variables: Object.fromEntries(entries) };
}

/** The variables of a POST: its JSON body, an object whose members are variables (the engine checks their values). */
export function readBodyVariables(body: unknown, definitions: readonly VariableDefinitionNode[]): ReadVariables {
  if (body === undefined) return { variables: {} };
  if (body === null || typeof body !== "object" || Array.isArray(body))
    return {
      invalid: `the body must be a JSON object of variables, received ${body === null ? "null" : Array.isArray(body) ? "an array" : typeof body}`,
    };
  const names = new Set(definitions.map((definition) => definition.variable.name.value));
  for (const name of Object.keys(body)) if (!names.has(name)) return { invalid: unknownName("member", name, definitions) };
  return { variables: body as Record<string, unknown> };
}

class Invalid {
  constructor(readonly detail: string) {}
}

function readValue(name: string, type: GraphQLInputType, text: string): unknown {
  const named = isNonNullType(type) ? type.ofType : type;
  if (isJsonText(type)) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return new Invalid(`parameter "${name}": ${String(type)} is sent as JSON text, received ${echo(text)}, which is not JSON`);
    }
  }
  if (isEnumType(named) || !isScalarType(named)) return text;
  switch (named.name) {
    case "Int":
      if (int.test(text) && Math.abs(Number(text)) <= 2147483647) return Number(text);
      return new Invalid(`parameter "${name}": Int takes a whole number from -2147483648 to 2147483647, received ${echo(text)}`);
    case "Float":
      if (float.test(text) && Number.isFinite(Number(text))) return Number(text);
      return new Invalid(`parameter "${name}": Float takes a finite number (JSON number syntax), received ${echo(text)}`);
    case "Boolean":
      if (text === "true" || text === "false") return text === "true";
      return new Invalid(`parameter "${name}": Boolean takes true or false, received ${echo(text)}`);
    default:
      return text;
  }
}

/** application/x-www-form-urlencoded decoding (`+` is a space); throws URIError on a sequence that is not UTF-8. */
function decode(text: string): string {
  return decodeURIComponent(text.replace(/\+/g, " "));
}

function unknownName(what: string, name: string, definitions: readonly VariableDefinitionNode[]): string {
  const known = definitions.map((definition) => definition.variable.name.value);
  return `unknown ${what} ${echo(name)}: this operation takes ${known.length === 0 ? "no variables" : known.join(", ")}`;
}

/** The input as JSON text, cut to a readable length. */
function echo(text: string): string {
  return JSON.stringify(text.length > maxEcho ? `${text.slice(0, maxEcho)}…` : text);
}
