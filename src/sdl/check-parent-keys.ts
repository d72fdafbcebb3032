import { isObjectType, type DirectiveNode, type GraphQLObjectType, type GraphQLSchema } from "graphql";
import type { TemplateVariable } from "../template/parse-template.js";
import type { DiagnosticList } from "./diagnostics.js";
import { argumentNode } from "./read-upstreams.js";
import type { RestPlan, SchemaPlan } from "../plan/schema-plan.js";

/** A `@rest` field's plan and its directive, where template variables are reported. */
export interface RestSite {
  plan: RestPlan;
  node: DirectiveNode;
}

/**
 * Warns where `{parent.X}` names a GraphQL field of the parent type that reads another
 * upstream key (`naming: SNAKE_CASE`, `@from`): the template reads the parent's raw JSON, so
 * `{parent.ownerId}` is empty when the answer holds `owner_id`. Only where that is known: a
 * path that some field of the parent type reads (or reads into) is taken as it is.
 */
export function checkParentKeys(
  schema: GraphQLSchema,
  sites: readonly RestSite[],
  keyPaths: SchemaPlan["keyPaths"],
  fromPaths: ReadonlyMap<string, ReadonlyMap<string, readonly string[]>>,
  diagnostics: DiagnosticList,
): void {
  const fetched = new Set(sites.map((site) => site.plan.coordinate));
  for (const { plan, node } of sites) {
    const parent = schema.getType(plan.typeName);
    if (!isObjectType(parent)) continue;
    /** The key path each field of the parent type reads first, @rest fields aside (they read no key). */
    const keys = new Map<string, readonly string[]>();
    for (const name of Object.keys(parent.getFields())) {
      if (!fetched.has(`${parent.name}.${name}`)) keys.set(name, keyPaths.get(parent.name)?.get(name)?.[0] ?? [name]);
    }
    const check = (variable: TemplateVariable, at: Parameters<DiagnosticList["warning"]>[0], offset?: number) => {
      const message = variable.root === "parent" ? mismatch(variable, parent, keys, fromPaths) : undefined;
      if (message !== undefined) diagnostics.warning(at, message, offset);
    };
    const pathNode = argumentNode(node, "path") ?? node;
    for (const part of [...plan.url.path, ...plan.url.query.flatMap((param) => param.value)]) {
      if (typeof part !== "string") check(part, pathNode, part.offset);
    }
    const bodyNode = argumentNode(node, "body") ?? node;
    const body = plan.body?.kind === "value" ? [plan.body.variable] : (plan.body?.template.variables ?? []);
    for (const variable of body) check(variable, bodyNode, variable.offset);
    for (const rule of plan.headers)
      for (const variable of rule.value?.variables ?? []) check(variable, argumentNode(node, "headers") ?? node);
  }
}

function mismatch(
  variable: TemplateVariable,
  parent: GraphQLObjectType,
  keys: ReadonlyMap<string, readonly string[]>,
  fromPaths: ReadonlyMap<string, ReadonlyMap<string, readonly string[]>>,
): string | undefined {
  const path = variable.path;
  const known = [...keys.values()].some((key) => startsWith(key, path) || startsWith(path, key));
  const key = keys.get(path[0] ?? "");
  if (known || key === undefined) return undefined;
  const reads = key.join(".");
  const why = fromPaths.get(parent.name)?.has(path[0]!) ? `@from(path: "${reads}")` : "naming: SNAKE_CASE";
  const fix = `{parent.${[...key, ...path.slice(1)].join(".")}}`;
  return `${variable.source} reads the upstream key "${path.join(".")}", but field ${parent.name}.${path[0]} reads "${reads}" (${why}); write ${fix}`;
}

function startsWith(path: readonly string[], prefix: readonly string[]): boolean {
  return prefix.length <= path.length && prefix.every((key, index) => path[index] === key);
}
