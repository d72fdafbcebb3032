import { getDirectiveValues, GraphQLError, Kind, type DirectiveNode, type DocumentNode, type GraphQLSchema } from "graphql";
import { interpolateEnv, type Env } from "../template/interpolate-env.js";
import { parseTemplate } from "../template/parse-template.js";
import type { DiagnosticList } from "./diagnostics.js";
import { amendUpstream } from "./amend-upstream.js";
import { credentialHeaders, traceHeaders } from "../cache/build-cache-policy.js";
import { upstreamDefaults } from "../plan/upstream-defaults.js";
import { reservedHeaders } from "../upstream/reserved-headers.js";
import { readErrorExposure } from "./read-error-exposure.js";
import type { CachePlan, HeaderPlan, HttpMethod, Naming, PassthroughPlan, ResiliencePlan, UpstreamPlan } from "../plan/schema-plan.js";

export interface UpstreamOverride {
  baseUrl?: string;
  timeoutMs?: number;
  maxResponseBytes?: number;
  /** Header rules in code; each replaces the SDL rule of its name (withHeaderOverrides). */
  headers?: readonly RawHeader[];
}

interface RawHeader {
  name: string;
  value?: string | null;
  from?: string | null;
  identity?: boolean | null;
}

/** Reads every `@upstream` on the schema definition and extensions into upstream plans. */
export function readUpstreams(
  document: DocumentNode,
  schema: GraphQLSchema,
  env: Env,
  overrides: Readonly<Record<string, UpstreamOverride>>,
  diagnostics: DiagnosticList,
  hasContext = false,
): { upstreams: Map<string, UpstreamPlan>; declared: Set<string> } {
  const directive = schema.getDirective("upstream");
  const upstreams = new Map<string, UpstreamPlan>();
  /** Every name declared, valid or not, so that a bad baseUrl is reported once, not at each field. */
  const declared = new Set<string>();
  if (!directive) return { upstreams, declared };
  /** Every valid @upstream by name: the one with baseUrl and those that amend it. */
  const declarations = new Map<string, DirectiveNode[]>();
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.SCHEMA_DEFINITION && definition.kind !== Kind.SCHEMA_EXTENSION) continue;
    for (const node of definition.directives ?? []) {
      if (node.name.value !== "upstream") continue;
      const values = readDirectiveValues(directive, node, diagnostics);
      if (values === undefined) continue;
      const name = String(values["name"]);
      declared.add(name);
      declarations.set(name, [...(declarations.get(name) ?? []), node]);
    }
  }
  for (const [name, nodes] of declarations) {
    const context = { document, onlyUpstream: declarations.size === 1, baseUrlInCode: overrides[name]?.baseUrl !== undefined };
    const node = amendUpstream(name, nodes, context, diagnostics);
    const values = node && readDirectiveValues(directive, node, diagnostics);
    if (node === undefined || values === undefined) continue;
    const plan = buildUpstreamPlan(name, values, node, env, overrides[name] ?? {}, diagnostics);
    if (plan !== undefined) upstreams.set(name, withHeaderOverrides(plan, overrides[name]?.headers, { env, hasContext }, diagnostics));
  }
  for (const name of Object.keys(overrides)) {
    if (!declared.has(name)) {
      diagnostics.error(
        undefined,
        `options.upstreams names "${name}", but the schema declares no @upstream "${name}" (declared: ${[...declared].join(", ") || "none"})`,
      );
    }
  }
  return { upstreams, declared };
}

export function readDirectiveValues(
  directive: Parameters<typeof getDirectiveValues>[0],
  node: DirectiveNode,
  diagnostics: DiagnosticList,
): Record<string, unknown> | undefined {
  try {
    return getDirectiveValues(directive, { directives: [node] }) ?? undefined;
  } catch (error) {
    if (!(error instanceof GraphQLError)) throw error;
    const message = error.message.replace(
      /^Argument "(\w+)" has invalid value (.*)\.$/,
      `@${node.name.value}(${"$1"}:) has invalid value $2`,
    );
    diagnostics.error(error.nodes?.[0] ?? node, message);
    return undefined;
  }
}

export function argumentNode(node: DirectiveNode, name: string) {
  return node.arguments?.find((arg) => arg.name.value === name)?.value;
}

function buildUpstreamPlan(
  name: string,
  values: Record<string, unknown>,
  node: DirectiveNode,
  env: Env,
  override: UpstreamOverride,
  diagnostics: DiagnosticList,
): UpstreamPlan | undefined {
  const baseUrlNode = argumentNode(node, "baseUrl") ?? node;
  const rawBaseUrl = override.baseUrl ?? String(values["baseUrl"]);
  const { value: baseUrl, missing } = interpolateEnv(rawBaseUrl, env);
  if (missing.length > 0) {
    diagnostics.error(
      baseUrlNode,
      `@upstream "${name}" baseUrl needs environment variable ${missing.join(", ")}, which is not set and has no default (write {env.${missing[0]}:-http://…} to give one)`,
    );
    return undefined;
  }
  const url = parseBaseUrl(baseUrl);
  if (typeof url === "string") {
    diagnostics.error(baseUrlNode, `@upstream "${name}" baseUrl "${baseUrl}" is invalid: ${url}`);
    return undefined;
  }
  const timeoutMs = positiveInt(override.timeoutMs ?? values["timeoutMs"], upstreamDefaults.timeoutMs, "timeoutMs", node, diagnostics);
  const maxResponseBytes = positiveInt(
    override.maxResponseBytes ?? values["maxResponseBytes"],
    upstreamDefaults.maxResponseBytes,
    "maxResponseBytes",
    node,
    diagnostics,
  );
  const retry = (values["retry"] ?? {}) as { attempts?: number | null; backoffMs?: number | null };
  const breaker = (values["breaker"] ?? {}) as {
    failures?: number | null;
    resetMs?: number | null;
    failureRate?: number | null;
    windowMs?: number | null;
    minimumCalls?: number | null;
  };
  const failureRate = readFailureRate(breaker, node, diagnostics);
  const maxConcurrency = positiveInt(values["maxConcurrency"], upstreamDefaults.maxConcurrency, "maxConcurrency", node, diagnostics);
  const resilience: ResiliencePlan = {
    retries: count(retry.attempts, upstreamDefaults.retryAttempts, "retry.attempts", node, diagnostics),
    backoffMs: count(retry.backoffMs, upstreamDefaults.backoffMs, "retry.backoffMs", node, diagnostics),
    maxRetryAfterMs: upstreamDefaults.maxRetryAfterMs,
    breakerFailures: count(breaker.failures, upstreamDefaults.breakerFailures, "breaker.failures", node, diagnostics),
    breakerResetMs: positiveInt(breaker.resetMs, upstreamDefaults.breakerResetMs, "breaker.resetMs", node, diagnostics),
    breakerFailureRate: failureRate,
    breakerWindowMs: positiveInt(breaker.windowMs, upstreamDefaults.breakerWindowMs, "breaker.windowMs", node, diagnostics),
    breakerMinimumCalls: positiveInt(breaker.minimumCalls, upstreamDefaults.breakerMinimumCalls, "breaker.minimumCalls", node, diagnostics),
    maxConcurrency,
    maxQueue: maxConcurrency * upstreamDefaults.queuePerSlot,
    maxStreams: positiveInt(values["maxStreams"], upstreamDefaults.maxStreams, "maxStreams", node, diagnostics),
  };
  return {
    name,
    origin: url.origin,
    basePath: url.pathname.replace(/\/+$/, ""),
    naming: (values["naming"] as Naming | undefined) ?? "AS_IS",
    timeoutMs,
    connectTimeoutMs: positiveInt(
      values["connectTimeoutMs"],
      Math.min(timeoutMs, upstreamDefaults.connectTimeoutMs),
      "connectTimeoutMs",
      node,
      diagnostics,
    ),
    maxResponseBytes,
    headers: readHeaderRules(values["headers"], argumentNode(node, "headers") ?? node, `@upstream "${name}"`, diagnostics),
    passthrough: readPassthrough(values["passthrough"], node, diagnostics),
    cache: values["cache"] as CachePlan | undefined,
    ...(values["dedupe"] === true && { dedupe: true }),
    resilience,
    errors: readErrorExposure(values["errors"], argumentNode(node, "errors") ?? node, `@upstream "${name}"`, diagnostics),
  };
}

/** `breaker.failureRate`: a share from 0 (exclusive) to 1, and not together with `failures`. */
function readFailureRate(
  breaker: { failures?: number | null; failureRate?: number | null; windowMs?: number | null; minimumCalls?: number | null },
  node: DirectiveNode,
  diagnostics: DiagnosticList,
): number | undefined {
  const rate = breaker.failureRate;
  if (rate === undefined || rate === null) {
    const stray =
      breaker.windowMs !== undefined && breaker.windowMs !== null
        ? "windowMs"
        : breaker.minimumCalls !== undefined && breaker.minimumCalls !== null
          ? "minimumCalls"
          : undefined;
    if (stray !== undefined)
      diagnostics.error(argumentNode(node, "breaker") ?? node, `breaker.${stray} only applies with breaker.failureRate`);
    return undefined;
  }
  if (breaker.failures !== undefined && breaker.failures !== null) {
    diagnostics.error(
      argumentNode(node, "breaker") ?? node,
      "breaker takes failures (consecutive failed calls) or failureRate (a share of the calls in windowMs), not both",
    );
    return undefined;
  }
  if (!(rate > 0 && rate <= 1)) {
    diagnostics.error(
      argumentNode(node, "breaker") ?? node,
      `breaker.failureRate must be a share of the calls, more than 0 and at most 1 (0.5 is half), received ${String(rate)}`,
    );
    return undefined;
  }
  return rate;
}

function parseBaseUrl(text: string): URL | string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return "expected an absolute http:// or https:// URL";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return `expected http: or https:, found ${url.protocol}`;
  if (url.username !== "" || url.password !== "") return "credentials in the URL are not allowed; send them with headers";
  if (url.search !== "" || url.hash !== "") return "a base URL takes no query string or fragment";
  return url;
}

function positiveInt(value: unknown, fallback: number, what: string, node: DirectiveNode, diagnostics: DiagnosticList): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value === "number" && Number.isInteger(value) && value > 0) return value;
  diagnostics.error(argumentNode(node, what) ?? node, `${what} must be a positive integer, received ${String(value)}`);
  return fallback;
}

/** A whole number of zero or more (0 turns a feature off). */
function count(value: unknown, fallback: number, what: string, node: DirectiveNode, diagnostics: DiagnosticList): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value === "number" && Number.isInteger(value) && value >= 0) return value;
  diagnostics.error(argumentNode(node, what.split(".")[0]!) ?? node, `${what} must be 0 or a positive integer, received ${String(value)}`);
  return fallback;
}

const headerToken = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

export function readHeaderRules(
  raw: unknown,
  node: Parameters<DiagnosticList["error"]>[0],
  owner: string,
  diagnostics: DiagnosticList,
): HeaderPlan[] {
  if (!Array.isArray(raw)) return [];
  const rules: HeaderPlan[] = [];
  (raw as RawHeader[]).forEach((rule, index) => {
    const name = rule.name.toLowerCase();
    const hasValue = rule.value !== undefined && rule.value !== null;
    const hasFrom = rule.from !== undefined && rule.from !== null;
    const at = node;
    const identityAt = ruleNode(ruleNode(node, index), "identity");
    if (!headerToken.test(name)) diagnostics.error(at, `${owner} header name "${rule.name}" is not a valid HTTP header name`);
    else if (reservedHeaders.has(name))
      diagnostics.error(at, `${owner} header "${rule.name}" is set by the HTTP layer and cannot be configured`);
    else if (hasValue === hasFrom) diagnostics.error(at, `${owner} header "${rule.name}" needs exactly one of value or from`);
    else if (hasFrom) {
      const from = String(rule.from).toLowerCase();
      if (!headerToken.test(from))
        diagnostics.error(at, `${owner} header "${rule.name}" forwards from "${rule.from}", which is not a valid header name`);
      else rules.push(withIdentity({ name, from }, rule.identity, identityAt, owner, diagnostics));
    } else {
      const { template, problems } = parseTemplate(String(rule.value));
      for (const problem of problems) diagnostics.error(at, `${owner} header "${rule.name}": ${problem.message}`);
      rules.push(withIdentity({ name, value: template }, rule.identity, identityAt, owner, diagnostics));
    }
  });
  return rules;
}

/**
 * Checks a rule's `identity:` (C15): never false on a credential header, never on a trace
 * header (they stay out of keys) or on a constant value (literal text and `{env.X}` can never
 * tell one caller from another).
 */
function withIdentity(
  rule: HeaderPlan,
  identity: boolean | null | undefined,
  node: Parameters<DiagnosticList["error"]>[0],
  owner: string,
  diagnostics: DiagnosticList,
): HeaderPlan {
  if (identity === undefined || identity === null) return rule;
  const where = `${owner} header "${rule.name}" says identity: ${String(identity)}`;
  const constant = rule.value !== undefined && rule.value.variables.every((v) => v.root === "env");
  if (!identity && credentialHeaders.has(rule.name))
    diagnostics.error(
      node,
      `${where}, but ${rule.name} always identifies the caller (its answers are never shared between callers); remove identity: false`,
    );
  else if (traceHeaders.has(rule.name))
    diagnostics.error(
      node,
      `${where}, but trace headers (${[...traceHeaders].join(", ")}) are sent as declared and never enter a cache key; remove identity:`,
    );
  else if (constant)
    diagnostics.error(
      node,
      `${where}, but its value ${JSON.stringify(rule.value!.source)} is the same for every caller, so it can never identify anyone or vary the cache key; remove identity:`,
    );
  else return { ...rule, identity };
  return rule;
}

/** The AST node of the `index`-th rule in a `headers:` list, or of one field of a rule; else `node` itself. */
function ruleNode(node: Parameters<DiagnosticList["error"]>[0], at: number | string): Parameters<DiagnosticList["error"]>[0] {
  if (node?.kind === Kind.LIST && typeof at === "number") return node.values[at] ?? node;
  if (node?.kind === Kind.OBJECT && typeof at === "string") return node.fields.find((field) => field.name.value === at) ?? node;
  return node;
}

/**
 * Applies `options.upstreams.<name>.headers`: each rule is checked exactly as an SDL header rule
 * is and replaces the SDL rule of the same name. Upstream-wide rules render outside any one
 * field, so they may read `{env.X}`, `{header.X}` and `{context.X}` only.
 */
function withHeaderOverrides(
  plan: UpstreamPlan,
  raw: unknown,
  scope: { env: Env; hasContext: boolean },
  diagnostics: DiagnosticList,
): UpstreamPlan {
  if (raw === undefined) return plan;
  const owner = `options.upstreams.${plan.name}.headers`;
  const isRule = (rule: unknown) => typeof rule === "object" && rule !== null && typeof (rule as { name?: unknown }).name === "string";
  if (!Array.isArray(raw) || !raw.every(isRule)) {
    diagnostics.error(undefined, `${owner} must be a list of { name, value } or { name, from }, received ${JSON.stringify(raw)}`);
    return plan;
  }
  const rules = readHeaderRules(raw, undefined, owner, diagnostics);
  for (const rule of rules) {
    for (const variable of rule.value?.variables ?? []) {
      const where = `${owner} header "${rule.name}" uses ${variable.source}`;
      const envName = variable.path[0] ?? "";
      if (variable.root === "context" && !scope.hasContext) {
        diagnostics.error(undefined, `${where}, which needs a context function: createTrestle({ context: (request) => ({ … }) })`);
      } else if (variable.root === "env" && (scope.env[envName] ?? "") === "" && variable.fallback === undefined) {
        diagnostics.error(
          undefined,
          `${where}, but environment variable ${envName} is not set and has no default (write {env.${envName}:-value})`,
        );
      } else if (variable.root !== "context" && variable.root !== "env" && variable.root !== "header") {
        diagnostics.error(undefined, `${where}, but upstream-wide header rules can read {env.X}, {header.X} and {context.X} only`);
      }
    }
  }
  const replaced = new Set(rules.map((rule) => rule.name));
  return { ...plan, headers: [...plan.headers.filter((rule) => !replaced.has(rule.name)), ...rules] };
}

const globSegment = /^(\*\*|\*|[^*\s]*)$/;

function readPassthrough(raw: unknown, node: DirectiveNode, diagnostics: DiagnosticList): PassthroughPlan | undefined {
  if (raw === undefined || raw === null) return undefined;
  const value = raw as { methods?: HttpMethod[] | null; paths: string[]; setCookie?: boolean | null; maxRequestBytes?: number | null };
  for (const path of value.paths) {
    if (!path.startsWith("/") || !path.split("/").every((segment) => globSegment.test(segment))) {
      diagnostics.error(
        argumentNode(node, "passthrough") ?? node,
        `passthrough path "${path}" must start with "/" and use * or ** only as whole segments`,
      );
    }
  }
  let maxRequestBytes = value.maxRequestBytes ?? upstreamDefaults.maxRequestBytes;
  if (!Number.isInteger(maxRequestBytes) || maxRequestBytes <= 0) {
    diagnostics.error(
      argumentNode(node, "passthrough") ?? node,
      `passthrough maxRequestBytes must be a positive integer, received ${String(maxRequestBytes)}`,
    );
    maxRequestBytes = upstreamDefaults.maxRequestBytes;
  }
  return { methods: value.methods ?? ["GET"], paths: value.paths, setCookie: value.setCookie ?? false, maxRequestBytes };
}
