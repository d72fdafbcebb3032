import {
  getNamedType,
  getNullableType,
  isEnumType,
  isInputObjectType,
  isListType,
  isObjectType,
  isScalarType,
  type DirectiveNode,
  type GraphQLInputType,
  type GraphQLSchema,
} from "graphql";
import type { ConstraintPlan, ConstraintsPlan } from "../plan/schema-plan.js";
import type { DiagnosticList } from "./diagnostics.js";
import { findPatternRisk, maxPatternLength } from "./find-pattern-risk.js";
import { argumentNode, readDirectiveValues } from "./read-upstreams.js";

/**
 * `@constraint` on field arguments and input fields → {@link ConstraintsPlan}, with every
 * problem reported where it is written: bounds that exclude every value (min > max), bounds the
 * type cannot have (`minLength` on an Int, `minItems` on a non-list), and patterns that are too
 * long, do not compile, or could backtrack for ever (see find-pattern-risk.ts).
 */

type Kind = "number" | "string" | "list";

const boundKinds: ReadonlyArray<[keyof ConstraintPlan, Kind]> = [
  ["min", "number"],
  ["max", "number"],
  ["exclusiveMin", "number"],
  ["exclusiveMax", "number"],
  ["minLength", "string"],
  ["maxLength", "string"],
  ["minItems", "list"],
  ["maxItems", "list"],
  ["pattern", "string"],
];

export function readConstraints(schema: GraphQLSchema, restCoordinates: ReadonlySet<string>, diagnostics: DiagnosticList): ConstraintsPlan {
  const plan = { arguments: new Map<string, Map<string, ConstraintPlan>>(), inputFields: new Map<string, Map<string, ConstraintPlan>>() };
  const directive = schema.getDirective("constraint");
  if (!directive) return plan;
  const read = (node: DirectiveNode | undefined, type: GraphQLInputType, where: string) => {
    if (node === undefined) return undefined;
    const values = readDirectiveValues(directive, node, diagnostics);
    return values === undefined ? undefined : readConstraint(values, node, type, where, diagnostics);
  };
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith("__")) continue;
    if (isObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        for (const arg of field.args) {
          const where = `${type.name}.${field.name}(${arg.name}:)`;
          const node = arg.astNode?.directives?.find((d) => d.name.value === "constraint");
          const constraint = read(node, arg.type, where);
          if (constraint === undefined) continue;
          if (!restCoordinates.has(`${type.name}.${field.name}`))
            diagnostics.warning(node, `@constraint on ${where} is never checked: only the arguments of @rest fields are`);
          getOrCreate(plan.arguments, `${type.name}.${field.name}`).set(arg.name, constraint);
        }
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        const node = field.astNode?.directives?.find((d) => d.name.value === "constraint");
        const constraint = read(node, field.type, `${type.name}.${field.name}`);
        if (constraint !== undefined) getOrCreate(plan.inputFields, type.name).set(field.name, constraint);
      }
    }
  }
  return plan;
}

function readConstraint(
  values: Record<string, unknown>,
  node: DirectiveNode,
  type: GraphQLInputType,
  where: string,
  diagnostics: DiagnosticList,
): ConstraintPlan | undefined {
  const plan: ConstraintPlan = {};
  const kinds = kindsOf(type);
  let ok = true;
  const fail = (name: string, message: string) => {
    diagnostics.error(argumentNode(node, name) ?? node, `@constraint on ${where}: ${message}`);
    ok = false;
  };
  for (const [name, kind] of boundKinds) {
    const value = values[name];
    if (value === undefined || value === null) continue;
    if (!kinds.has(kind)) {
      fail(name, `${name} bounds ${kind === "list" ? "a list" : `${kind}s`}, and ${where} is ${String(type)}`);
      continue;
    }
    if (name === "pattern") {
      const compiled = compilePattern(String(value));
      if (typeof compiled === "string") fail(name, `pattern ${JSON.stringify(truncate(String(value)))} ${compiled}`);
      else plan.pattern = compiled;
      continue;
    }
    if (typeof value !== "number") continue;
    if (kind !== "number" && value < 0) fail(name, `${name} must be 0 or more, received ${value}`);
    else plan[name] = value;
  }
  for (const [low, high] of emptyRanges(plan)) fail(low, `${low} ${plan[low]} and ${high} ${plan[high]} leave no value allowed`);
  if (!ok) return undefined;
  if (Object.keys(plan).length === 0) {
    diagnostics.warning(node, `@constraint on ${where} sets no bound: give min, max, minLength, maxLength, minItems, maxItems or pattern`);
    return undefined;
  }
  return plan;
}

type RangeBound = Exclude<keyof ConstraintPlan, "pattern">;
const rangePairs: ReadonlyArray<readonly [RangeBound, RangeBound]> = [
  ["min", "max"],
  ["exclusiveMin", "exclusiveMax"],
  ["min", "exclusiveMax"],
  ["exclusiveMin", "max"],
  ["minLength", "maxLength"],
  ["minItems", "maxItems"],
];

/** The pairs of bounds that leave no value allowed (`min: 10, max: 5`; `min: 5, exclusiveMax: 5`). */
export function emptyRanges(bounds: Pick<ConstraintPlan, RangeBound>): Array<readonly [RangeBound, RangeBound]> {
  return rangePairs.filter(([low, high]) => {
    const a = bounds[low];
    const b = bounds[high];
    if (a === undefined || b === undefined) return false;
    return low.startsWith("exclusive") || high.startsWith("exclusive") ? a >= b : a > b;
  });
}

/**
 * What a constraint on `type` can bound: lists their item count; numbers and strings the
 * (innermost) items. Custom scalars may hold either; enums and input objects neither.
 */
export function kindsOf(type: GraphQLInputType): Set<Kind> {
  const kinds = new Set<Kind>();
  if (isListType(getNullableType(type))) kinds.add("list");
  const named = getNamedType(type);
  if (isEnumType(named) || isInputObjectType(named) || !isScalarType(named)) return kinds;
  if (named.name === "Int" || named.name === "Float") kinds.add("number");
  else if (named.name === "String" || named.name === "ID") kinds.add("string");
  else if (named.name !== "Boolean") {
    kinds.add("number");
    kinds.add("string");
  }
  return kinds;
}

/** The pattern compiled (with `u` when it allows, as JSON Schema means), or why it cannot be used. */
export function compilePattern(source: string): RegExp | string {
  if (source.length > maxPatternLength) return `is ${source.length} characters long; at most ${maxPatternLength} can be checked`;
  let compiled: RegExp;
  try {
    compiled = new RegExp(source, "u");
  } catch {
    try {
      compiled = new RegExp(source);
    } catch (error) {
      return `does not compile: ${(error as Error).message}`;
    }
  }
  const risk = findPatternRisk(source);
  return risk === undefined ? compiled : `could take exponential time on some inputs (${risk}): rewrite it or leave it out`;
}

function truncate(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function getOrCreate<V>(map: Map<string, Map<string, V>>, key: string): Map<string, V> {
  let inner = map.get(key);
  if (inner === undefined) map.set(key, (inner = new Map()));
  return inner;
}
