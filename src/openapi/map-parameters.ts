import type { SchemaClassifier, SchemaShape } from "./classify-schema.js";
import { isValidName, NameRegistry, toCamelCase, toEnumValueName, toFieldName } from "./graphql-names.js";
import { joinText, render, type SchemaMapper, type TypeUse } from "./map-schema.js";
import { readSchemaConstraints } from "./read-schema-constraints.js";
import type { NormalizedOperation, NormalizedParameter } from "./read-operation.js";
import { isRecord } from "./resolve-ref.js";
import { reservedHeaders } from "../upstream/reserved-headers.js";
import type { SdlDirective, SdlInputValue, SdlValue } from "./sdl-model.js";

/**
 * Path, query and header parameters → field arguments and the `@rest` path and headers:
 * `/pets/{args.petId}?limit={args.limit}`, `headers: [{ name: "x-foo", value: "{args.xFoo}" }]`.
 * Argument names are camelCase; the wire names stay in the templates. A parameter a template
 * cannot spell (an object in the query, a cookie) is left out with a comment, or, when it is
 * required, the operation is skipped.
 */

export interface MappedParameters {
  args: SdlInputValue[];
  /** Path and query template. */
  path: string;
  headers: SdlValue[];
  comments: string[];
}

export interface ParameterContext {
  mapper: SchemaMapper;
  classifier: SchemaClassifier;
  /** Names the arguments' inline enums: `ListPets` + `Status`. */
  typeHint: string;
}

/** Header parameters OpenAPI says to ignore (§4.8.12.1). */
const ignoredHeaders = new Set(["accept", "content-type", "authorization"]);

export function mapParameters(op: NormalizedOperation, argNames: NameRegistry, ctx: ParameterContext): MappedParameters | { skip: string } {
  const args: SdlInputValue[] = [];
  const comments: string[] = [];
  const query: string[] = [];
  const headers: SdlValue[] = [];
  let path = op.path;
  const ordered = [...op.parameters].sort((a, b) => order(a.in) - order(b.in));
  for (const param of ordered) {
    const where = `${param.in} parameter "${param.name}"`;
    if (param.in === "cookie" || param.in === "formData" || param.in === "body" || order(param.in) === 9) {
      if (param.required) return { skip: `needs the ${where}, which the bridge cannot send` };
      comments.push(`left out the optional ${where}: the bridge cannot send it`);
      continue;
    }
    if (param.in === "header" && ignoredHeaders.has(param.name.toLowerCase())) continue;
    if (param.in === "header" && (isReservedHeader(param.name.toLowerCase()) || !/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(param.name))) {
      if (param.required) return { skip: `needs the ${where}, which the HTTP layer owns` };
      comments.push(`left out the optional ${where}: the HTTP layer owns it`);
      continue;
    }
    if (param.in === "path" && !pathMentions(path, param.name)) {
      comments.push(`left out the ${where}: the path ${op.path} has no {${param.name}}`);
      continue;
    }
    const typed = mapParameterType(param, ctx);
    if ("structured" in typed) {
      if (param.required) return { skip: `${where} is ${typed.structured}, which a URL template cannot spell` };
      comments.push(`left out the optional ${where}: it is ${typed.structured}, which a URL template cannot spell`);
      continue;
    }
    const name = argNames.claim(argumentName(param.name));
    const nonNull = param.in === "path" || (param.required && typed.defaultValue === undefined);
    const type = render({ ...typed.use, nullable: !nonNull });
    const constraints =
      typed.note === undefined
        ? readSchemaConstraints({ schema: param.schema, pointer: param.schemaPointer }, type, name, ctx.classifier)
        : {};
    const description = joinText(param.description, typed.note, typed.use.note, constraints.description);
    const directives: SdlDirective[] = param.deprecated && !nonNull ? [{ name: "deprecated", args: [] }] : [];
    if (constraints.directive !== undefined) directives.push(constraints.directive);
    args.push({
      name,
      ...(description === undefined ? {} : { description }),
      type,
      ...(typed.defaultValue === undefined ? {} : { defaultValue: typed.defaultValue }),
      directives,
    });
    const variable = `{args.${name}}`;
    if (param.in === "path") path = path.split(`\${${param.name}}`).join(variable).split(`{${param.name}}`).join(variable);
    else if (param.in === "query") query.push(`${encodeURIComponent(param.name)}=${variable}`);
    else
      headers.push({
        fields: [
          ["name", param.name.toLowerCase()],
          ["value", variable],
        ],
      });
  }
  // Template variables the spec forgot to declare still need an argument.
  path = path.replace(/\$?\{(?!args\.)([^{}]*)\}/g, (_, raw: string) => {
    const name = argNames.claim(argumentName(raw));
    args.push({ name, type: "String!", directives: [] });
    comments.push(`path parameter "${raw}" is not declared in the spec; typed String`);
    return `{args.${name}}`;
  });
  if (query.length > 0) path += (path.includes("?") ? "&" : "?") + query.join("&");
  return { args, path, headers, comments };
}

function order(location: string): number {
  return ["path", "query", "header", "cookie", "formData", "body"].indexOf(location) + 1 || 9;
}

function pathMentions(path: string, name: string): boolean {
  return path.includes(`{${name}}`);
}

export function argumentName(wireName: string): string {
  const camel = toCamelCase(wireName);
  if (isValidName(camel)) return camel;
  const field = toFieldName(wireName);
  return isValidName(field) ? field : "arg";
}

type ParameterType = { use: TypeUse; defaultValue?: SdlValue; note?: string } | { structured: string };

function mapParameterType(param: NormalizedParameter, ctx: ParameterContext): ParameterType {
  const { shape, entry } = ctx.classifier.deref({ schema: param.schema, pointer: param.schemaPointer });
  const hint = `${ctx.typeHint}${toCamelCase(param.name).replace(/^./, (c) => c.toUpperCase())}`;
  const string: TypeUse = { type: "String", nullable: true };
  const structured = describeStructured(shape);
  if (structured !== undefined) return { structured };
  if (shape.kind === "array") {
    const items = ctx.classifier.deref(shape.items).shape;
    if (describeStructured(items) !== undefined || items.kind === "array") return { structured: "a list of objects or lists" };
    if (param.in !== "query" || param.joined) {
      return { use: string, note: `Comma-separated values (the upstream takes this list as one ${param.in} value).` };
    }
    const use = ctx.mapper.map(param.schema, param.schemaPointer, hint, "input");
    return { use: use.type === "JSON" ? string : use };
  }
  if (shape.kind === "json" || shape.kind === "recursive") return { use: string };
  const use = ctx.mapper.map(param.schema, param.schemaPointer, hint, "input");
  if (use.type === "JSON") return { use: string };
  const raw = isRecord(param.schema) && param.schema["default"] !== undefined ? param.schema : entry.schema;
  const defaultValue = isRecord(raw) ? toDefaultValue(raw["default"], shape, use.type) : undefined;
  return defaultValue === undefined ? { use } : { use, defaultValue };
}

/** Why a parameter's value cannot go in a URL or header, or undefined when it can. */
function describeStructured(shape: SchemaShape): string | undefined {
  if (shape.kind === "object") return "an object";
  if (shape.kind === "json" && (shape.why === "a map" || shape.why === "a free-form object")) return shape.why;
  return undefined;
}

/** A default GraphQL can state for the argument's type; undefined when it cannot or need not. */
function toDefaultValue(value: unknown, shape: SchemaShape, type: string): SdlValue | undefined {
  if (shape.kind === "enum" && type === "String") return typeof value === "string" ? value : undefined;
  if (shape.kind === "enum") return typeof value === "string" && toEnumValueName(value) === value ? { enum: value } : undefined;
  if (shape.kind !== "scalar") return undefined;
  switch (shape.scalar) {
    case "Int":
      return typeof value === "number" && Number.isInteger(value) && Math.abs(value) < 2 ** 31 ? value : undefined;
    case "Float":
      return typeof value === "number" && Number.isFinite(value) ? value : undefined;
    case "Boolean":
      return typeof value === "boolean" ? value : undefined;
    case "String":
      return typeof value === "string" ? value : undefined;
    default:
      return undefined;
  }
}

/** Headers the HTTP layer owns (Trestle refuses rules for them), and `cookie`, which a parameter cannot set alone. */
function isReservedHeader(name: string): boolean {
  return reservedHeaders.has(name) || name === "cookie";
}
