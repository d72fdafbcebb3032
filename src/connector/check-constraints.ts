import {
  getNamedType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  type GraphQLInputObjectType,
  type GraphQLInputType,
  type GraphQLSchema,
} from "graphql";
import { BadUserInputError } from "../errors.js";
import type { ConstraintPlan, ConstraintsPlan } from "../plan/schema-plan.js";
import { maxPatternInput } from "../sdl/find-pattern-risk.js";

/**
 * `@constraint` checks, compiled once per field when the resolvers are made: before the
 * field's resolver runs (so before any upstream call), every argument, nested input field and
 * list item with a constraint is checked, and the first violation is BAD_USER_INPUT naming the
 * path and the bound: `limit must be at most 100 (received 500)`. Fields without constrained
 * arguments keep their resolver as it is.
 */

type Check = (value: unknown, path: string) => void;
type Resolver = (parent: unknown, args: Record<string, unknown>, ...rest: never[]) => unknown;

/** Wraps, in `resolvers`, each resolver of a field with constrained arguments (at any depth) in its checks. */
export function addConstraintChecks(
  resolvers: Record<string, Record<string, unknown>>,
  constraints: ConstraintsPlan,
  schema: GraphQLSchema,
  restFields: ReadonlySet<string>,
): void {
  const compiler = new CheckCompiler(constraints);
  for (const [typeName, fields] of Object.entries(resolvers)) {
    const type = schema.getType(typeName);
    if (!isObjectType(type)) continue;
    for (const [fieldName, resolver] of Object.entries(fields)) {
      const field = type.getFields()[fieldName];
      // Only @rest fields call an upstream (and `trestle check` says so of the others).
      // A stream field's checks run before its `subscribe`, which makes the upstream call.
      const stream =
        typeof resolver === "object" && resolver !== null && "subscribe" in resolver ? (resolver as { subscribe: unknown }) : undefined;
      const target = stream?.subscribe ?? resolver;
      if (field === undefined || typeof target !== "function" || !restFields.has(`${typeName}.${fieldName}`)) continue;
      const own = constraints.arguments.get(`${typeName}.${fieldName}`);
      const checks = field.args.flatMap((arg): Array<[string, Check]> => {
        const check = compiler.compile(arg.type, own?.get(arg.name));
        return check === undefined ? [] : [[arg.name, check]];
      });
      if (checks.length === 0) continue;
      const resolve = target as Resolver;
      const checked = (parent: unknown, args: Record<string, unknown>, ...rest: never[]) => {
        for (const [name, check] of checks) check(args[name], name);
        return resolve(parent, args, ...rest);
      };
      if (stream === undefined) fields[fieldName] = checked;
      else stream.subscribe = checked;
    }
  }
}

class CheckCompiler {
  readonly #constraints: ConstraintsPlan;
  /** Input types that hold a constrained field, at any depth. */
  readonly #constrained = new Set<string>();
  readonly #compiled = new Map<string, Check>();

  constructor(constraints: ConstraintsPlan) {
    this.#constraints = constraints;
  }

  compile(type: GraphQLInputType, own: ConstraintPlan | undefined): Check | undefined {
    if (isNonNullType(type)) return this.compile(type.ofType, own);
    if (isListType(type)) {
      const items = this.compile(type.ofType, own === undefined ? undefined : withoutItemCounts(own));
      const { minItems, maxItems } = own ?? {};
      if (items === undefined && minItems === undefined && maxItems === undefined) return undefined;
      return (value, path) => {
        if (!Array.isArray(value)) return;
        if (minItems !== undefined && value.length < minItems)
          fail(path, `must have at least ${minItems} item${minItems === 1 ? "" : "s"}`, `${value.length}`);
        if (maxItems !== undefined && value.length > maxItems)
          fail(path, `must have at most ${maxItems} item${maxItems === 1 ? "" : "s"}`, `${value.length}`);
        if (items !== undefined) value.forEach((item, index) => items(item, `${path}[${index}]`));
      };
    }
    if (isInputObjectType(type)) return this.#needsCheck(type) ? this.#objectCheck(type) : undefined;
    return own === undefined ? undefined : compileLeaf(own);
  }

  /** Whether `type` holds a constrained field at any depth; cycles end at `seen`. */
  #needsCheck(type: GraphQLInputObjectType, seen = new Set<string>()): boolean {
    if (this.#constrained.has(type.name)) return true;
    if (seen.has(type.name)) return false;
    seen.add(type.name);
    const own = this.#constraints.inputFields.get(type.name);
    const found = Object.values(type.getFields()).some((field) => {
      const inner = getNamedType(field.type);
      return own?.has(field.name) === true || (isInputObjectType(inner) && this.#needsCheck(inner, seen));
    });
    if (found) this.#constrained.add(type.name);
    return found;
  }

  #objectCheck(type: GraphQLInputObjectType): Check {
    const known = this.#compiled.get(type.name);
    if (known !== undefined) return known;
    let fields: Array<[string, Check]> = [];
    const check: Check = (value, path) => {
      if (typeof value !== "object" || value === null) return;
      for (const [field, inner] of fields) inner((value as Record<string, unknown>)[field], `${path}.${field}`);
    };
    this.#compiled.set(type.name, check); // before the fields, so recursive input types end here
    const own = this.#constraints.inputFields.get(type.name);
    fields = Object.values(type.getFields()).flatMap((field): Array<[string, Check]> => {
      const inner = this.compile(field.type, own?.get(field.name));
      return inner === undefined ? [] : [[field.name, inner]];
    });
    return check;
  }
}

function withoutItemCounts(own: ConstraintPlan): ConstraintPlan | undefined {
  const { minItems: _min, maxItems: _max, ...rest } = own;
  return Object.keys(rest).length === 0 ? undefined : rest;
}

/** The check of one number or string (a custom scalar's value may be either). */
function compileLeaf(own: ConstraintPlan): Check | undefined {
  const { min, max, exclusiveMin, exclusiveMax, minLength, maxLength, pattern } = own;
  const numeric = min !== undefined || max !== undefined || exclusiveMin !== undefined || exclusiveMax !== undefined;
  const textual = minLength !== undefined || maxLength !== undefined || pattern !== undefined;
  if (!numeric && !textual) return undefined;
  return (value, path) => {
    if (typeof value === "number" && numeric) {
      const shown = Object.is(value, -0) ? "-0" : String(value);
      if (min !== undefined && !(value >= min)) fail(path, `must be at least ${min}`, shown);
      if (max !== undefined && !(value <= max)) fail(path, `must be at most ${max}`, shown);
      if (exclusiveMin !== undefined && !(value > exclusiveMin)) fail(path, `must be more than ${exclusiveMin}`, shown);
      if (exclusiveMax !== undefined && !(value < exclusiveMax)) fail(path, `must be less than ${exclusiveMax}`, shown);
    }
    if (typeof value !== "string" || !textual) return;
    const length = codePointLength(value); // Unicode characters, as JSON Schema counts them
    if (minLength !== undefined && length < minLength)
      fail(path, `must be at least ${minLength} character${minLength === 1 ? "" : "s"} long`, `${length} characters`);
    if (maxLength !== undefined && length > maxLength)
      fail(path, `must be at most ${maxLength} character${maxLength === 1 ? "" : "s"} long`, `${length} characters`);
    if (pattern === undefined) return;
    if (length > maxPatternInput)
      fail(path, `must be at most ${maxPatternInput} characters long to be matched against its pattern`, `${length} characters`);
    if (!pattern.test(value)) fail(path, `must match the pattern ${pattern.source}`, JSON.stringify(excerpt(value)));
  };
}

function codePointLength(value: string): number {
  let pairs = 0;
  for (let i = 0; i < value.length - 1; i++) {
    const code = value.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        pairs++;
        i++;
      }
    }
  }
  return value.length - pairs;
}

function excerpt(value: string): string {
  return value.length > 40 ? `${value.slice(0, 40)}…` : value;
}

function fail(path: string, bound: string, received: string): never {
  throw new BadUserInputError(`${path} ${bound} (received ${received})`, { extensions: { argument: path } });
}
