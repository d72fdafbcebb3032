import {
  getNamedType,
  getNullableType,
  isEnumType,
  isInterfaceType,
  isListType,
  isObjectType,
  isUnionType,
  type GraphQLEnumType,
  type GraphQLNamedType,
  type GraphQLOutputType,
  type GraphQLSchema,
} from "graphql";
import { TrestleError, UpstreamError } from "../errors.js";
import type { SchemaPlan } from "../plan/schema-plan.js";

/** Checks a field's resolved value: returns it (list items that fail become errors), or throws. */
export type EnumCheck = (value: unknown) => unknown;

const maxEchoLength = 100;

/**
 * Enums that grow: an upstream may answer a value its schema's enum does not have yet (a
 * stage "Archived" added after the import). graphql-js's serializer would fail with an
 * uncoded error, and graphql-jit's keeps only its message; this check runs in the field's
 * resolver instead, on both, so the value is an UPSTREAM_BAD_RESPONSE naming the value, the
 * field and the enum, on that field only (on that item of a list of enums): the rest of the
 * answer stays. Returns a check for every field of an enum type (or a list of one) on the
 * object types that upstream answers reach, typeName → fieldName.
 */
export function createEnumChecks(plan: SchemaPlan, schema: GraphQLSchema): Map<string, Map<string, EnumCheck>> {
  const checks = new Map<string, Map<string, EnumCheck>>();
  const reached = upstreamsByType(plan, schema);
  const restUpstreams = new Map(plan.restFields.map((rest) => [rest.coordinate, rest.upstream.name]));
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith("__")) continue;
    for (const field of Object.values(type.getFields())) {
      const named = getNamedType(field.type);
      if (!isEnumType(named)) continue;
      // A @rest field's value comes from its own upstream; any other field's from its parent's answer.
      const own = restUpstreams.get(`${type.name}.${field.name}`);
      const upstreams = own === undefined ? [...(reached.get(type.name) ?? [])].sort() : [own];
      if (upstreams.length === 0) continue;
      const fail = failure(named, field.name, upstreams);
      const typeName = type.name;
      let fields = checks.get(typeName);
      if (fields === undefined) checks.set(typeName, (fields = new Map()));
      fields.set(field.name, createCheck(field.type, allowedValues(named, plan), fail));
    }
  }
  return checks;
}

/** The upstream JSON values an enum stands for: its `@enumValue` values, else its names. */
function allowedValues(type: GraphQLEnumType, plan: SchemaPlan): Set<unknown> {
  const wire = plan.enumValues.get(type.name);
  return new Set(type.getValues().map((value) => wire?.get(value.name) ?? value.name));
}

function createCheck(type: GraphQLOutputType, allowed: Set<unknown>, fail: (value: unknown) => Error): EnumCheck {
  const check = checkOf(type, allowed, fail);
  return (value) => {
    const checked = check(value);
    if (checked instanceof Error) throw checked;
    return checked;
  };
}

/** A check that returns the value, or an Error in its place (graphql-js and graphql-jit make a list item that is an Error that item's error). */
function checkOf(type: GraphQLOutputType, allowed: Set<unknown>, fail: (value: unknown) => Error): (value: unknown) => unknown {
  const nullable = getNullableType(type);
  if (isListType(nullable)) {
    const item = checkOf(nullable.ofType, allowed, fail);
    return (value) => (Array.isArray(value) ? value.map(item) : value);
  }
  return (value) => (value === null || value === undefined || allowed.has(value) ? value : fail(value));
}

function failure(type: GraphQLEnumType, fieldName: string, upstreams: string[]): (value: unknown) => Error {
  const who = upstreams.length === 1 ? `Upstream "${upstreams[0]}"` : `An upstream (${upstreams.map((u) => `"${u}"`).join(" or ")})`;
  return (value) => {
    const message = `${who} answered ${fieldName} ${echo(value)}, which enum ${type.name} does not have.`;
    return upstreams.length === 1
      ? new UpstreamError("UPSTREAM_BAD_RESPONSE", upstreams[0]!, message)
      : new TrestleError("UPSTREAM_BAD_RESPONSE", message);
  };
}

function echo(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length <= maxEchoLength ? text : `${text.slice(0, maxEchoLength)}…`;
}

/**
 * Which upstreams' answers reach each object type: from each `@rest` field's type, through
 * fields that fetch nothing themselves (a `@rest` field starts from its own upstream).
 */
function upstreamsByType(plan: SchemaPlan, schema: GraphQLSchema): Map<string, Set<string>> {
  const reached = new Map<string, Set<string>>();
  const restCoordinates = new Set(plan.restFields.map((rest) => rest.coordinate));
  for (const rest of plan.restFields) {
    const seen = new Set<string>();
    const queue: GraphQLNamedType[] = [];
    const parent = schema.getType(rest.typeName);
    const field = isObjectType(parent) ? parent.getFields()[rest.fieldName] : undefined;
    if (field === undefined) continue;
    queue.push(getNamedType(field.type));
    while (queue.length > 0) {
      const type = queue.pop()!;
      if (seen.has(type.name)) continue;
      seen.add(type.name);
      if (isUnionType(type) || isInterfaceType(type)) queue.push(...schema.getPossibleTypes(type));
      if (!isObjectType(type)) continue;
      add(reached, type.name, rest.upstream.name);
      for (const child of Object.values(type.getFields())) {
        if (!restCoordinates.has(`${type.name}.${child.name}`)) queue.push(getNamedType(child.type));
      }
    }
  }
  return reached;
}

function add(map: Map<string, Set<string>>, key: string, value: string): void {
  let set = map.get(key);
  if (set === undefined) map.set(key, (set = new Set()));
  set.add(value);
}
