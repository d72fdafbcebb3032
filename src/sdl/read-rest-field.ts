import {
  getNamedType,
  getNullableType,
  isInputObjectType,
  isListType,
  isNonNullType,
  type DirectiveNode,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
} from "graphql";
import { parseTemplate, type ParsedTemplate, type TemplateProblem, type TemplateVariable } from "../template/parse-template.js";
import type { Env } from "../template/interpolate-env.js";
import { parseDotPath, type DiagnosticList } from "./diagnostics.js";
import { argumentNode, readDirectiveValues, readHeaderRules } from "./read-upstreams.js";
import { readErrorExposure } from "./read-error-exposure.js";
import { readForm } from "./read-form.js";
import { readPaginate } from "./read-paginate.js";
import { readStream } from "./read-stream.js";
import { readPoll } from "./read-poll.js";
import type { BatchPlan, BodyPlan, HeaderPlan, HttpMethod, RestPlan, UpstreamPlan, UrlPlan } from "../plan/schema-plan.js";

type DiagnosticNode = Parameters<DiagnosticList["error"]>[0];

export interface FieldSite {
  typeName: string;
  field: GraphQLField<unknown, unknown>;
  isRoot: boolean;
}

export interface ReadRestContext {
  schema: GraphQLSchema;
  upstreams: ReadonlyMap<string, UpstreamPlan>;
  /** Every declared upstream name, including those whose @upstream had errors (reported there). */
  declared: ReadonlySet<string>;
  env: Env;
  /** Whether createTrestle was given a `context` function ({context.X} is then usable). */
  hasContext: boolean;
  diagnostics: DiagnosticList;
}

/** Builds the plan of one `@rest` field, reporting every problem it finds with its place. */
export function readRestField(site: FieldSite, node: DirectiveNode, ctx: ReadRestContext): RestPlan | undefined {
  const directive = ctx.schema.getDirective("rest");
  if (!directive) return undefined;
  const values = readDirectiveValues(directive, node, ctx.diagnostics);
  if (values === undefined) return undefined;
  const coordinate = `${site.typeName}.${site.field.name}`;
  const upstream = resolveUpstream(values["upstream"], node, coordinate, ctx);
  const method = (values["method"] as HttpMethod | undefined) ?? "GET";
  const checker = new VariableChecker(site, coordinate, ctx);

  const pathNode = argumentNode(node, "path") ?? node;
  const url = readUrlTemplate(String(values["path"]), pathNode, checker, false, ctx.diagnostics);
  const body = readBody(values["body"], node, method, checker, ctx.diagnostics);
  const headers = readHeaderRules(values["headers"], argumentNode(node, "headers") ?? node, `@rest on ${coordinate}`, ctx.diagnostics);
  for (const rule of headers) if (rule.value) checker.checkAll(rule.value, argumentNode(node, "headers") ?? node, false);
  const select = readSelect(values["select"], argumentNode(node, "select") ?? node, ctx.diagnostics);
  const batchBase = readBatch(values["batch"], node, url, checker, coordinate, ctx.diagnostics);
  if (batchBase) {
    for (const rule of headers) {
      const varying = rule.value?.variables.find((v) => v.root === "args" || v.root === "parent");
      if (varying)
        ctx.diagnostics.error(
          argumentNode(node, "headers") ?? node,
          `@rest on ${coordinate} has a batch, so its header "${rule.name}" cannot use ${varying.source}: one batch call serves many fields`,
        );
    }
  }

  const listVariables = url?.path.filter((part): part is TemplateVariable => typeof part !== "string" && checker.isList(part)) ?? [];
  if (listVariables.length > 0 && !batchBase) {
    const names = listVariables.map((v) => v.source).join(", ");
    ctx.diagnostics.error(
      pathNode,
      `@rest on ${coordinate}: path variable ${names} is a list; a list in the path needs a batch endpoint (batch: { path: "...{keys}", key: "id" })`,
    );
  }
  if (batchBase && !isListType(getNullableType(site.field.type)) && listVariables.length > 0) {
    ctx.diagnostics.error(
      pathNode,
      `@rest on ${coordinate}: path variable ${listVariables[0]?.source} is a list, so the field must return a list, but it returns ${String(site.field.type)}`,
    );
  }
  const form = readForm(
    values,
    node,
    {
      method,
      hasBody: values["body"] != null,
      coordinate,
      args: site.field.args,
      check: (template, at) => checker.checkAll(template, at, false),
    },
    ctx.diagnostics,
  );
  const ownErrors = readErrorExposure(values["errors"], argumentNode(node, "errors") ?? node, `@rest on ${coordinate}`, ctx.diagnostics);
  const paginate = readPaginate(values["paginate"], node, site.field, coordinate, {
    batch: !!batchBase,
    select: !!select,
    url,
    diagnostics: ctx.diagnostics,
  });
  if (upstream === undefined || url === undefined) return undefined;
  const errors = ownErrors ?? upstream.errors;
  const mergedHeaders = mergeHeaders(upstream.headers, headers);
  const batch: BatchPlan | undefined = batchBase && {
    ...batchBase,
    // Fields whose batch calls would be identical share one loader per operation.
    identity: JSON.stringify([
      upstream.name,
      batchBase.method,
      String((values["batch"] as { path: string }).path),
      (values["batch"] as { body?: string | null }).body ?? null,
      batchBase.key,
      batchBase.select ?? null,
      mergedHeaders.map((h) => [h.name, h.from ?? null, h.value?.source ?? null]),
      // What a failed batch call may show, when anything: fields that show different things never share a call.
      ...(errors === undefined ? [] : [[...errors.statuses], errors.detail]),
    ]),
  };
  const stream = readStream({ schema: ctx.schema, typeName: site.typeName, coordinate, values }, node, ctx.diagnostics);
  const poll = readPoll({ schema: ctx.schema, typeName: site.typeName, coordinate, values }, node, ctx.diagnostics);
  return {
    typeName: site.typeName,
    fieldName: site.field.name,
    coordinate,
    upstream,
    method,
    url,
    body,
    headers: mergedHeaders,
    select,
    batch,
    stream,
    poll,
    cache: undefined,
    nonNull: isNonNullType(site.field.type),
    errors,
    form,
    ...(paginate && { paginate }),
    ...(typeof values["dedupe"] === "boolean" && { dedupe: values["dedupe"] }),
  };
}

function resolveUpstream(name: unknown, node: DirectiveNode, coordinate: string, ctx: ReadRestContext): UpstreamPlan | undefined {
  const declared = [...ctx.declared];
  if (name === undefined || name === null) {
    if (declared.length === 1) return ctx.upstreams.values().next().value;
    if (declared.length === 0) return undefined; // reported once for the whole schema
    ctx.diagnostics.error(
      node,
      `@rest on ${coordinate} needs upstream: the schema declares ${declared.length === 0 ? "no @upstream" : `several (${declared.join(", ")})`}`,
    );
    return undefined;
  }
  const upstream = ctx.upstreams.get(String(name));
  if (upstream === undefined && !ctx.declared.has(String(name))) {
    ctx.diagnostics.error(
      argumentNode(node, "upstream") ?? node,
      `@rest on ${coordinate} names unknown upstream "${String(name)}" (declared: ${declared.join(", ") || "none"})`,
    );
  }
  return upstream;
}

/** Splits `path?query` into the path parts and the `name=value` query parameters. */
export function readUrlTemplate(
  text: string,
  node: DiagnosticNode,
  checker: VariableChecker,
  allowKeys: boolean,
  diagnostics: DiagnosticList,
): UrlPlan | undefined {
  const { template, problems } = parseTemplate(text);
  reportProblems(problems, node, diagnostics);
  if (!text.startsWith("/")) {
    diagnostics.error(node, `path "${text}" must start with "/" (it is appended to the upstream's baseUrl)`);
    return undefined;
  }
  checker.checkAll(template, node, allowKeys);
  if (problems.length > 0) return undefined;
  const plan: UrlPlan = { path: [], query: [] };
  let inQuery = false;
  let current: UrlPlan["query"][number] | undefined;
  for (const part of template.parts) {
    if (typeof part !== "string") {
      if (!inQuery) plan.path.push(part);
      else if (current) current.value.push(part);
      else diagnostics.error(node, `query variable ${part.source} needs a parameter name (write name=${part.source})`, part.offset);
      continue;
    }
    let text = part;
    if (!inQuery) {
      const mark = text.indexOf("?");
      if (mark < 0) {
        plan.path.push(text);
        continue;
      }
      if (mark > 0) plan.path.push(text.slice(0, mark));
      text = text.slice(mark + 1);
      inQuery = true;
    }
    const pieces = text.split("&");
    pieces.forEach((piece, index) => {
      if (index > 0) current = undefined;
      if (piece === "") return;
      if (current) {
        current.value.push(piece);
        return;
      }
      const eq = piece.indexOf("=");
      current =
        eq < 0 ? { name: piece, value: [] } : { name: piece.slice(0, eq), value: eq + 1 < piece.length ? [piece.slice(eq + 1)] : [] };
      plan.query.push(current);
    });
  }
  return plan;
}

function readBody(
  raw: unknown,
  node: DirectiveNode,
  method: HttpMethod,
  checker: VariableChecker,
  diagnostics: DiagnosticList,
): BodyPlan | undefined {
  if (raw === undefined || raw === null) return undefined;
  const bodyNode = argumentNode(node, "body") ?? node;
  if (method === "GET" || method === "HEAD") {
    diagnostics.error(bodyNode, `@rest with method ${method} cannot send a body`);
    return undefined;
  }
  const template = readJsonTemplate(String(raw), bodyNode, checker, false, diagnostics);
  if (template === undefined) return undefined;
  const only = template.parts.length === 1 ? template.parts[0] : undefined;
  if (only !== undefined && typeof only !== "string") return { kind: "value", variable: only };
  return { kind: "json", template };
}

/** A JSON template: braces are literal unless they start a variable; the result must be JSON. */
function readJsonTemplate(
  text: string,
  node: DiagnosticNode,
  checker: VariableChecker,
  allowKeys: boolean,
  diagnostics: DiagnosticList,
): ParsedTemplate | undefined {
  const { template, problems } = parseTemplate(text, { literalBraces: true });
  reportProblems(problems, node, diagnostics);
  checker.checkAll(template, node, allowKeys);
  const probe = template.parts.map((part) => (typeof part === "string" ? part : "null")).join("");
  try {
    JSON.parse(probe);
  } catch (error) {
    diagnostics.error(
      node,
      `body template is not JSON once its variables are filled in (${(error as Error).message}); write "{args.input}" to send one value, or a JSON text like "{\\"text\\": {args.text}}"`,
    );
    return undefined;
  }
  return template;
}

function readSelect(raw: unknown, node: DiagnosticNode, diagnostics: DiagnosticList): string[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  const path = parseDotPath(String(raw));
  if (path === undefined) diagnostics.error(node, `select "${String(raw)}" is not a dot path like "data.items"`);
  return path;
}

function readBatch(
  raw: unknown,
  node: DirectiveNode,
  fieldUrl: UrlPlan | undefined,
  checker: VariableChecker,
  coordinate: string,
  diagnostics: DiagnosticList,
): Omit<BatchPlan, "identity"> | undefined {
  if (raw === undefined || raw === null) return undefined;
  const value = raw as {
    path: string;
    key: string;
    maxSize?: number | null;
    method?: HttpMethod | null;
    body?: string | null;
    select?: string | null;
  };
  const batchNode = argumentNode(node, "batch") ?? node;
  const method = value.method ?? "GET";
  const url = readUrlTemplate(value.path, batchNode, checker, true, diagnostics);
  const body =
    value.body === undefined || value.body === null ? undefined : readJsonTemplate(value.body, batchNode, checker, true, diagnostics);
  if (body !== undefined && (method === "GET" || method === "HEAD"))
    diagnostics.error(batchNode, `batch on ${coordinate}: method ${method} cannot send a body; use method: POST`);
  const pathTemplate = parseTemplate(value.path).template;
  const usesKeys = (template: ParsedTemplate | undefined) => template?.variables.some((v) => v.root === "keys") ?? false;
  if (!usesKeys(pathTemplate) && !usesKeys(body)) {
    diagnostics.error(
      batchNode,
      `batch on ${coordinate} never uses the collected keys: put {keys} or {keys*} in its path${method === "GET" ? "" : " or body"}`,
    );
  }
  for (const variable of [...pathTemplate.variables, ...(body?.variables ?? [])]) {
    if (variable.root === "args" || variable.root === "parent") {
      diagnostics.error(
        batchNode,
        `batch on ${coordinate} uses ${variable.source}, but a batch call serves many fields: its templates may use {keys}, {env.X}, {header.X} and {context.X}`,
      );
    }
  }
  const keyVariables = fieldUrl === undefined ? [] : urlVariables(fieldUrl).filter((v) => v.root === "args" || v.root === "parent");
  if (fieldUrl !== undefined && keyVariables.length !== 1) {
    diagnostics.error(
      argumentNode(node, "path") ?? node,
      `@rest on ${coordinate} has a batch, so its path must hold exactly one {args.X} or {parent.X} variable (the key), found ${keyVariables.length === 0 ? "none" : keyVariables.map((v) => v.source).join(", ")}`,
    );
  }
  const key = parseDotPath(value.key);
  if (key === undefined) diagnostics.error(batchNode, `batch key "${value.key}" is not a dot path like "id"`);
  const maxSize = value.maxSize ?? 100;
  if (!Number.isInteger(maxSize) || maxSize < 1)
    diagnostics.error(batchNode, `batch maxSize must be a positive integer, received ${maxSize}`);
  const select = readSelect(value.select, batchNode, diagnostics);
  const keyVariable = keyVariables[0];
  if (url === undefined || key === undefined || keyVariable === undefined || keyVariables.length !== 1) return undefined;
  return { method, url, body, key, maxSize, select, keyVariable };
}

function urlVariables(url: UrlPlan): TemplateVariable[] {
  const parts = [...url.path, ...url.query.flatMap((param) => param.value)];
  return parts.filter((part): part is TemplateVariable => typeof part !== "string");
}

function reportProblems(problems: TemplateProblem[], node: DiagnosticNode, diagnostics: DiagnosticList): void {
  for (const problem of problems) diagnostics.error(node, problem.message, problem.offset);
}

function mergeHeaders(upstream: HeaderPlan[], field: HeaderPlan[]): HeaderPlan[] {
  const overridden = new Set(field.map((rule) => rule.name));
  return [...upstream.filter((rule) => !overridden.has(rule.name)), ...field];
}

/** Checks that each template variable names something the field can supply. */
class VariableChecker {
  readonly #site: FieldSite;
  readonly #coordinate: string;
  readonly #ctx: ReadRestContext;

  constructor(site: FieldSite, coordinate: string, ctx: ReadRestContext) {
    this.#site = site;
    this.#coordinate = coordinate;
    this.#ctx = ctx;
  }

  checkAll(template: ParsedTemplate, node: DiagnosticNode, allowKeys: boolean): void {
    for (const variable of template.variables) this.check(variable, node, allowKeys);
  }

  isList(variable: TemplateVariable): boolean {
    if (variable.root !== "args") return false;
    const arg = this.#arg(variable.path[0]);
    return arg !== undefined && variable.path.length === 1 && isListType(getNullableType(arg.type));
  }

  check(variable: TemplateVariable, node: DiagnosticNode, allowKeys: boolean): void {
    const { diagnostics, env } = this.#ctx;
    const at = (message: string) => diagnostics.error(node, message, variable.offset);
    switch (variable.root) {
      case "args": {
        const name = variable.path[0] ?? "";
        const arg = this.#arg(name);
        const names = this.#site.field.args.map((a) => a.name);
        if (arg === undefined) {
          at(`@rest uses ${variable.source}, but ${this.#coordinate} has no argument "${name}" (arguments: ${names.join(", ") || "none"})`);
        } else {
          const missing = missingInputField(arg.type, variable.path.slice(1));
          if (missing) at(`@rest uses ${variable.source}, but ${missing}`);
        }
        return;
      }
      case "parent":
        if (this.#site.isRoot) at(`@rest on root field ${this.#coordinate} uses ${variable.source}, but root fields have no parent object`);
        return;
      case "env":
        if ((env[variable.path[0] ?? ""] ?? "") === "" && variable.fallback === undefined) {
          at(
            `${variable.source} names environment variable ${variable.path[0]}, which is not set and has no default (write {env.${variable.path[0]}:-value})`,
          );
        }
        return;
      case "context":
        if (!this.#ctx.hasContext) at(`${variable.source} needs a context function: createTrestle({ context: (request) => ({ … }) })`);
        return;
      case "keys":
        if (!allowKeys) at(`${variable.source} is only available in a batch path or body`);
        return;
      case "header":
        return;
    }
  }

  #arg(name: string | undefined): GraphQLArgument | undefined {
    return this.#site.field.args.find((arg) => arg.name === name);
  }
}

/** Follows a dot path into an input type; describes the first missing step. */
function missingInputField(type: GraphQLInputType, path: string[]): string | undefined {
  let current = getNamedType(type);
  for (const key of path) {
    if (!isInputObjectType(current)) return undefined;
    const field = current.getFields()[key];
    if (field === undefined) return `input ${current.name} has no field "${key}" (fields: ${Object.keys(current.getFields()).join(", ")})`;
    current = getNamedType(field.type);
  }
  return undefined;
}
