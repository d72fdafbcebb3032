import type { GraphQLArgument, GraphQLInputType } from "graphql";
import type { Env } from "../template/interpolate-env.js";
import { BadUserInputError, TrestleError } from "../errors.js";
import { checkHeaderValue, headerValueContract, trimHeaderValue } from "../upstream/check-header-value.js";
import type { UpstreamRequest } from "../upstream/upstream-request.js";
import type { BodyPlan, HeaderPlan, HttpMethod, UpstreamPlan, UrlPlan } from "../plan/schema-plan.js";
import { checkPathValue } from "./check-path-value.js";
import { inputTypeAt, toUpstreamInput } from "./map-input.js";
import { readPath, type ParsedTemplate, type TemplatePart, type TemplateVariable } from "../template/parse-template.js";

/** What a template may read while one field (or passthrough call) is being resolved. */
export interface TemplateScope {
  args: Readonly<Record<string, unknown>>;
  parent: unknown;
  env: Env;
  /** Client request headers (lower-case names). */
  headers: { get(name: string): string | null };
  context: Readonly<Record<string, unknown>>;
  /** Batch keys, for `{keys}` and `{keys*}`. */
  keys?: readonly unknown[];
}

export interface RequestTemplate {
  method: HttpMethod;
  url: UrlPlan;
  body: BodyPlan | ParsedTemplate | undefined;
  headers: readonly HeaderPlan[];
}

/** Longest upstream path (with query) we send; RFC 9110 §4.1 asks for at least 8000 octets. */
const maxPathLength = 8000;

/**
 * Compiles a request template into a function that renders it for one scope. It returns
 * `null` when a path variable read from the parent is null or absent: there is nothing to
 * fetch, and the field resolves to null.
 */
export function createRequestBuilder(
  upstream: UpstreamPlan,
  template: RequestTemplate,
  fieldArgs: readonly GraphQLArgument[],
  coordinate: string,
): (scope: TemplateScope) => UpstreamRequest | null {
  const snake = upstream.naming === "SNAKE_CASE";
  const argTypes = new Map(fieldArgs.map((arg) => [arg.name, arg.type]));
  // The input type below each `{args.…}` variable, found once per variable, not per request.
  const inputTypes = new Map<TemplateVariable, GraphQLInputType | undefined>();
  const inputTypeOf = (variable: TemplateVariable): GraphQLInputType | undefined => {
    if (!inputTypes.has(variable)) inputTypes.set(variable, inputTypeAt(argTypes.get(variable.path[0] ?? ""), variable.path.slice(1)));
    return inputTypes.get(variable);
  };
  const read = (variable: TemplateVariable, scope: TemplateScope): unknown => {
    switch (variable.root) {
      case "args": {
        const value = readPath(scope.args, variable.path);
        if (!snake || value === null || typeof value !== "object") return value;
        return toUpstreamInput(value, inputTypeOf(variable));
      }
      case "parent":
        return readPath(scope.parent, variable.path);
      case "env": {
        const value = scope.env[variable.path[0] ?? ""];
        return value === undefined || value === "" ? variable.fallback : value;
      }
      case "header":
        return scope.headers.get(variable.path[0] ?? "") ?? undefined;
      case "context":
        return readPath(scope.context, variable.path);
      case "keys":
        return scope.keys;
    }
  };

  const route = declaredRoute(upstream.basePath, template.url);
  // A path and query of literal text render the same every time: once it passed the origin
  // check it needs no other (a refusal still comes on every call). Paths with values: every call.
  const literal =
    template.url.path.every((part) => typeof part === "string") &&
    template.url.query.every((param) => param.value.every((part) => typeof part === "string"));
  let originChecked = false;
  return (scope) => {
    let path = upstream.basePath;
    for (const part of template.url.path) {
      if (typeof part === "string") {
        path += part;
        continue;
      }
      const value = read(part, scope);
      if ((value === null || value === undefined) && part.root === "parent") return null;
      path +=
        part.root === "keys"
          ? (value as unknown[]).map((key) => encodeSegment(key, part, coordinate)).join(",")
          : encodeSegment(value, part, coordinate);
    }
    const query = renderQuery(template.url, scope, read);
    if (query !== "") path += `?${query}`;
    if (path.length > maxPathLength) {
      throw new BadUserInputError(
        `The upstream URL for ${coordinate} would be ${path.length} characters long; the limit is ${maxPathLength}.`,
      );
    }
    if (!originChecked) {
      assertSameOrigin(upstream, path, coordinate);
      originChecked = literal;
    }
    const headers = renderHeaders(template.headers, scope, read, coordinate);
    const body = renderBody(template.body, scope, read);
    headers["accept"] ??= "application/json";
    if (body !== undefined) headers["content-type"] = "application/json";
    return { upstream, method: template.method, path, headers, body, route };
  };
}

/**
 * A path value is always exactly one segment, percent-encoded; checkPathValue refuses what no
 * spelling may send (S09: the passthrough route follows the same rule).
 */
function encodeSegment(value: unknown, variable: TemplateVariable, coordinate: string): string {
  const from = variable.root === "parent" ? "a value from the upstream answer" : "argument";
  if (value === null || value === undefined) {
    throw new BadUserInputError(`Path variable ${variable.source} of ${coordinate} has no value.`);
  }
  if (typeof value === "object") {
    throw new BadUserInputError(
      `Path variable ${variable.source} of ${coordinate} must be a string or number, received ${Array.isArray(value) ? "a list" : "an object"}.`,
    );
  }
  const text = String(value);
  const refused = checkPathValue(text, "encoded");
  if (refused !== undefined) {
    const shown = text === "" ? "an empty string" : JSON.stringify(text);
    throw new BadUserInputError(
      `Path variable ${variable.source} of ${coordinate} cannot be ${shown} (${from}): it holds ${refused}. Path values must be non-empty, free of control characters and of "." or ".." segments in any spelling.`,
    );
  }
  return encodeURIComponent(text);
}

function renderQuery(url: UrlPlan, scope: TemplateScope, read: (v: TemplateVariable, s: TemplateScope) => unknown): string {
  const pairs: string[] = [];
  for (const param of url.query) {
    if (param.value.length === 1 && typeof param.value[0] !== "string") {
      const variable = param.value[0] as TemplateVariable;
      const value = read(variable, scope);
      if (variable.root === "keys" && !variable.explode) {
        // {keys}: one parameter, comma-joined; each key encoded on its own (a "," in a key stays %2C).
        pairs.push(`${param.name}=${(value as unknown[]).map(encodeQueryValue).join(",")}`);
        continue;
      }
      const values = Array.isArray(value) ? value : [value];
      for (const item of values) if (item !== null && item !== undefined) pairs.push(`${param.name}=${encodeQueryValue(item)}`);
      continue;
    }
    const rendered = renderMixed(param.value, scope, read);
    if (rendered !== undefined) pairs.push(param.value.length === 0 ? param.name : `${param.name}=${rendered}`);
  }
  return pairs.join("&");
}

/** Literal text plus variables; undefined (the parameter is left out) when a variable is null. */
function renderMixed(
  parts: readonly TemplatePart[],
  scope: TemplateScope,
  read: (v: TemplateVariable, s: TemplateScope) => unknown,
): string | undefined {
  let out = "";
  for (const part of parts) {
    if (typeof part === "string") out += part;
    else {
      const value = read(part, scope);
      if (value === null || value === undefined) return undefined;
      out += Array.isArray(value) ? value.map(encodeQueryValue).join(",") : encodeQueryValue(value);
    }
  }
  return out;
}

function encodeQueryValue(value: unknown): string {
  return encodeURIComponent(typeof value === "object" ? JSON.stringify(value) : String(value));
}

function assertSameOrigin(upstream: UpstreamPlan, path: string, coordinate: string): void {
  const url = new URL(upstream.origin + path);
  const base = upstream.basePath;
  const inside = url.pathname === base || url.pathname.startsWith(`${base}/`) || base === "";
  if (url.origin !== upstream.origin || !inside || !path.startsWith(url.pathname)) {
    throw new TrestleError(
      "UPSTREAM_URL_REJECTED",
      `The upstream URL built for ${coordinate} leaves upstream "${upstream.name}"; nothing was sent.`,
    );
  }
}

/**
 * The header policy alone, for passthrough routes: only the declared rules, rendered and
 * checked exactly as for `@rest` calls (see renderHeaders).
 */
export function renderHeaderRules(rules: readonly HeaderPlan[], scope: TemplateScope, coordinate: string): Record<string, string> {
  return renderHeaders(rules, scope, readScopeVariable, coordinate);
}

/** Reads a variable outside any field: no argument types, so no snake_case input mapping. */
export function readScopeVariable(variable: TemplateVariable, scope: TemplateScope): unknown {
  switch (variable.root) {
    case "env": {
      const value = scope.env[variable.path[0] ?? ""];
      return value === undefined || value === "" ? variable.fallback : value;
    }
    case "header":
      return scope.headers.get(variable.path[0] ?? "") ?? undefined;
    case "keys":
      return scope.keys;
    default:
      return readPath(scope[variable.root], variable.path);
  }
}

/**
 * A rendered value as it is sent: without leading or trailing whitespace (RFC 9110 §5.5), and
 * refused (BAD_USER_INPUT, nothing sent) when it holds a character outside the field-value
 * grammar: a control character (CR, LF, NUL, U+0001…, DEL) or one above U+00FF. The message
 * names the header, the field and the character, never the value.
 */
function checkedHeaderValue(name: string, rendered: string, coordinate: string): string {
  const value = trimHeaderValue(rendered);
  const problem = checkHeaderValue(value);
  if (problem === undefined) return value;
  throw new BadUserInputError(`Header "${name}" for ${coordinate} would contain ${problem}: ${headerValueContract}; nothing was sent.`, {
    extensions: { header: name },
  });
}

/** Renders each rule for one scope (a rule whose variable is null or absent is left out). */
function renderHeaders(
  rules: readonly HeaderPlan[],
  scope: TemplateScope,
  read: (v: TemplateVariable, s: TemplateScope) => unknown,
  coordinate: string,
): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const rule of rules) {
    let value: string | undefined;
    if (rule.from !== undefined) value = scope.headers.get(rule.from) ?? undefined;
    else if (rule.value !== undefined) {
      value = "";
      for (const part of rule.value.parts) {
        if (typeof part === "string") value += part;
        else {
          const item = read(part, scope);
          if (item === null || item === undefined) {
            value = undefined;
            break;
          }
          value += typeof item === "object" ? JSON.stringify(item) : String(item);
        }
      }
    }
    if (value === undefined) continue;
    headers[rule.name] = checkedHeaderValue(rule.name, value, coordinate);
  }
  return headers;
}

function renderBody(
  body: RequestTemplate["body"],
  scope: TemplateScope,
  read: (v: TemplateVariable, s: TemplateScope) => unknown,
): string | undefined {
  if (body === undefined) return undefined;
  if ("kind" in body && body.kind === "value") return JSON.stringify(read(body.variable, scope) ?? null);
  const template = "kind" in body ? body.template : body;
  let out = "";
  for (const part of template.parts) out += typeof part === "string" ? part : JSON.stringify(read(part, scope) ?? null);
  return out;
}

/**
 * The target as the SDL declares it, variables unrendered (`/v1/users?ids={keys}`): what traces,
 * logs and the debug waterfall show. Secrets belong in `{env.X}`, which stays a name here.
 */
function declaredRoute(basePath: string, url: UrlPlan): string {
  const text = (parts: readonly TemplatePart[]) => parts.map((part) => (typeof part === "string" ? part : part.source)).join("");
  const query = url.query.map((param) => `${param.name}=${text(param.value)}`).join("&");
  return basePath + text(url.path) + (query === "" ? "" : `?${query}`);
}
