import {
  buildASTSchema,
  concatAST,
  getNamedType,
  GraphQLError,
  isObjectType,
  isInterfaceType,
  isUnionType,
  Kind,
  parse,
  Source,
  type DefinitionNode,
  type DocumentNode,
  type FieldDefinitionNode,
  type GraphQLNamedType,
  type GraphQLSchema,
} from "graphql";
import { validateSDL } from "graphql/validation/validate.js";
import type { Env } from "../template/interpolate-env.js";
import type { Diagnostic } from "../errors.js";
import { DiagnosticList, parseDotPath } from "./diagnostics.js";
import { directiveDefinitions, trestleDirectiveNames, trestleTypeNames } from "./directives.js";
import type { SchemaSource } from "./load-schema-sources.js";
import { buildClientSchema } from "./build-client-schema.js";
import { mergeRepeatedTypes } from "./merge-repeated-types.js";
import { mergeRepeatedFields } from "./merge-repeated-fields.js";
import { readConstraints } from "./read-constraints.js";
import { readRestField } from "./read-rest-field.js";
import { checkParentKeys, type RestSite } from "./check-parent-keys.js";
import { argumentNode, readDirectiveValues, readUpstreams, type UpstreamOverride } from "./read-upstreams.js";
import type { CachePlan, RestPlan, SchemaPlan, UpstreamPlan } from "../plan/schema-plan.js";

export interface BuildSchemaPlanOptions {
  env?: Env;
  upstreams?: Readonly<Record<string, UpstreamOverride>>;
  hasContext?: boolean;
}

/**
 * Parses, validates and plans the schema in one pass: `trestle check` reports `diagnostics`,
 * and `createTrestle` refuses to build when any is an error.
 */
export function buildSchemaPlan(
  sources: readonly SchemaSource[],
  options: BuildSchemaPlanOptions = {},
): { plan: SchemaPlan | undefined; diagnostics: Diagnostic[] } {
  const diagnostics = new DiagnosticList();
  const parsed: DocumentNode[] = [parse(new Source(directiveDefinitions, "trestle-directives.graphql"))];
  for (const source of sources) {
    try {
      parsed.push(withoutOwnDefinitions(parse(new Source(source.body, source.name))));
    } catch (error) {
      if (!(error instanceof GraphQLError)) throw error;
      diagnostics.fromGraphQLError(error);
    }
  }
  if (diagnostics.hasErrors) return { plan: undefined, diagnostics: diagnostics.items };
  const documents = mergeRepeatedFields(mergeRepeatedTypes(parsed, diagnostics), diagnostics);
  if (diagnostics.hasErrors) return { plan: undefined, diagnostics: diagnostics.items };
  const document = concatAST(documents);
  for (const error of validateSDL(document)) diagnostics.fromGraphQLError(error);
  if (diagnostics.hasErrors) return { plan: undefined, diagnostics: diagnostics.items };

  let schema: GraphQLSchema;
  try {
    schema = buildASTSchema(document, { assumeValidSDL: true });
  } catch (error) {
    if (!(error instanceof GraphQLError)) throw error;
    diagnostics.fromGraphQLError(error);
    return { plan: undefined, diagnostics: diagnostics.items };
  }
  const env = options.env ?? process.env;
  const { upstreams, declared } = readUpstreams(document, schema, env, options.upstreams ?? {}, diagnostics, options.hasContext ?? false);
  const restFields: RestPlan[] = [];
  const restSites: RestSite[] = [];
  const fromPaths = new Map<string, Map<string, string[]>>();
  const rootTypes = new Set(
    [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].filter(Boolean).map((t) => t?.name),
  );
  if (declared.size === 0) {
    diagnostics.error(undefined, `the schema declares no @upstream: add extend schema @upstream(name: "api", baseUrl: "http://…")`);
  }

  for (const { typeName, node } of fieldDefinitions(document)) {
    const type = schema.getType(typeName);
    if (!isObjectType(type)) continue;
    const field = type.getFields()[node.name.value];
    if (field === undefined) continue;
    const directives = new Map((node.directives ?? []).map((d) => [d.name.value, d]));
    const rest = directives.get("rest");
    const from = directives.get("from");
    const cache = directives.get("cache");
    if (rest && from)
      diagnostics.error(
        from,
        `${typeName}.${field.name} has both @rest and @from: @rest fetches the field, @from reads it from its parent`,
      );
    if (from) {
      const raw = readDirectiveValues(schema.getDirective("from")!, from, diagnostics)?.["path"];
      const path = raw === undefined ? undefined : parseDotPath(String(raw));
      if (raw !== undefined && path === undefined)
        diagnostics.error(argumentNode(from, "path") ?? from, `@from path "${String(raw)}" is not a dot path like "meta.stage"`);
      if (path) getOrCreate(fromPaths, typeName).set(field.name, path);
    }
    const cachePlan = cache ? readCache(cache, schema, diagnostics) : undefined;
    if (cache && !rest)
      diagnostics.error(cache, `@cache on ${typeName}.${field.name} has no effect: only @rest fields fetch answers to cache`);
    if (!rest) continue;
    const plan = readRestField({ typeName, field, isRoot: rootTypes.has(typeName) }, rest, {
      schema,
      upstreams,
      declared,
      env,
      hasContext: options.hasContext ?? false,
      diagnostics,
    });
    if (cache && plan?.stream)
      diagnostics.error(cache, `@cache on ${typeName}.${field.name} has no effect: a stream (stream:) is never cached`);
    if (plan) restSites.push({ plan: cachePlan ? withCachePlan(plan, cachePlan) : plan, node: rest });
  }
  restFields.push(...restSites.map((site) => site.plan));
  const keyPaths = buildKeyPaths(schema, restFields, fromPaths);
  checkParentKeys(schema, restSites, keyPaths, fromPaths, diagnostics);
  const constraints = readConstraints(schema, new Set(restFields.map((r) => r.coordinate)), diagnostics);
  if (diagnostics.hasErrors) return { plan: undefined, diagnostics: diagnostics.items };
  const clientSchema = buildClientSchema(concatAST(documents.slice(1)));
  const enumValues = readEnumValues(document, schema, diagnostics);
  return {
    plan: { schema: clientSchema, enumValues, constraints, upstreams, restFields, keyPaths },
    diagnostics: diagnostics.items,
  };
}

/**
 * A field's `@cache`. Its batch calls are stored under that policy, so fields that share a batch
 * endpoint share a loader (one call per operation) only when their `@cache` is the same too:
 * otherwise one field's keys could be stored under the other's scope or lifetime.
 */
function withCachePlan(plan: RestPlan, cache: CachePlan): RestPlan {
  if (plan.batch === undefined) return { ...plan, cache };
  // The identity is a JSON array, so appending a second one keeps every identity distinct.
  const identity = plan.batch.identity + JSON.stringify([cache.maxAge ?? null, cache.scope ?? null, cache.staleWhileRevalidate ?? null]);
  return { ...plan, cache, batch: { ...plan.batch, identity } };
}

/** `@enumValue(value:)` on enum values: the JSON value each stands for upstream. */
function readEnumValues(document: DocumentNode, schema: GraphQLSchema, diagnostics: DiagnosticList): Map<string, Map<string, string>> {
  const directive = schema.getDirective("enumValue");
  const values = new Map<string, Map<string, string>>();
  if (!directive) return values;
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.ENUM_TYPE_DEFINITION && definition.kind !== Kind.ENUM_TYPE_EXTENSION) continue;
    for (const value of definition.values ?? []) {
      const node = value.directives?.find((d) => d.name.value === "enumValue");
      const raw = node && readDirectiveValues(directive, node, diagnostics)?.["value"];
      if (typeof raw === "string") getOrCreate(values, definition.name.value).set(value.name.value, raw);
    }
  }
  return values;
}

/** Users may paste `trestle print-directives` into their schema for their editor; ours win. */
function withoutOwnDefinitions(document: DocumentNode): DocumentNode {
  const isOwn = (definition: DefinitionNode) =>
    (definition.kind === Kind.DIRECTIVE_DEFINITION && trestleDirectiveNames.has(definition.name.value)) ||
    ((definition.kind === Kind.ENUM_TYPE_DEFINITION || definition.kind === Kind.INPUT_OBJECT_TYPE_DEFINITION) &&
      trestleTypeNames.has(definition.name.value));
  return document.definitions.some(isOwn) ? { ...document, definitions: document.definitions.filter((d) => !isOwn(d)) } : document;
}

function* fieldDefinitions(document: DocumentNode): Generator<{ typeName: string; node: FieldDefinitionNode }> {
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.OBJECT_TYPE_EXTENSION) continue;
    for (const node of definition.fields ?? []) yield { typeName: definition.name.value, node };
  }
}

function readCache(
  node: Parameters<typeof readDirectiveValues>[1],
  schema: GraphQLSchema,
  diagnostics: DiagnosticList,
): CachePlan | undefined {
  const values = readDirectiveValues(schema.getDirective("cache")!, node, diagnostics);
  if (values === undefined) return undefined;
  const plan: CachePlan = {};
  for (const key of ["maxAge", "staleWhileRevalidate"] as const) {
    const value = values[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== "number" || value < 0)
      diagnostics.error(argumentNode(node, key) ?? node, `@cache ${key} must be zero or more seconds, received ${String(value)}`);
    else plan[key] = value;
  }
  if (values["scope"] === "PUBLIC" || values["scope"] === "PRIVATE") plan.scope = values["scope"];
  return plan;
}

/**
 * Which JSON key each field reads: `@from` wins; types reachable from a SNAKE_CASE upstream's
 * answers (through fields that fetch nothing themselves) read snake_case keys, falling back to
 * the field name for answers that already use it.
 */
function buildKeyPaths(
  schema: GraphQLSchema,
  restFields: readonly RestPlan[],
  fromPaths: Map<string, Map<string, string[]>>,
): Map<string, Map<string, string[][]>> {
  const keyPaths = new Map<string, Map<string, string[][]>>();
  for (const [typeName, fields] of fromPaths) {
    for (const [fieldName, path] of fields) getOrCreate(keyPaths, typeName).set(fieldName, [path]);
  }
  const restCoordinates = new Set(restFields.map((r) => r.coordinate));
  const seen = new Set<string>();
  const queue: GraphQLNamedType[] = [];
  for (const rest of restFields) {
    const parent = schema.getType(rest.typeName);
    const field = isObjectType(parent) ? parent.getFields()[rest.fieldName] : undefined;
    if (field && rest.upstream.naming === "SNAKE_CASE") queue.push(getNamedType(field.type));
  }
  while (queue.length > 0) {
    const type = queue.pop()!;
    if (seen.has(type.name)) continue;
    seen.add(type.name);
    if (isUnionType(type) || isInterfaceType(type)) {
      queue.push(...schema.getPossibleTypes(type));
      continue;
    }
    if (!isObjectType(type)) continue;
    for (const field of Object.values(type.getFields())) {
      if (restCoordinates.has(`${type.name}.${field.name}`)) continue;
      queue.push(getNamedType(field.type));
      const snake = toSnakeCase(field.name);
      const fields = getOrCreate(keyPaths, type.name);
      if (snake !== field.name && !fields.has(field.name)) fields.set(field.name, [[snake], [field.name]]);
    }
  }
  return keyPaths;
}

/** latestVersion → latest_version; HTTPStatus → http_status; v2Name → v2_name. */
export function toSnakeCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2")
    .toLowerCase();
}

function getOrCreate<K, V>(map: Map<K, Map<string, V>>, key: K): Map<string, V> {
  let inner = map.get(key);
  if (inner === undefined) map.set(key, (inner = new Map()));
  return inner;
}

export type { UpstreamPlan };
