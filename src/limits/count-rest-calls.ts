import {
  getNamedType,
  getNullableType,
  isCompositeType,
  isListType,
  isScalarType,
  isSpecifiedScalarType,
  Kind,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from "graphql";
import type { RestPlan } from "../sdl/schema-plan.js";
import { inputTypeAt } from "../connector/map-input.js";
import { readPath, type TemplatePart } from "../connector/parse-template.js";

export interface RestCostOptions {
  /** Most upstream calls one operation may plan. */
  maxCost: number;
  /** Items assumed in a list whose size no `first`/`last`/`limit` argument states. */
  assumedListSize: number;
}

/** What `readVariable` answers before the request's values are known (validation time). */
export const unknownVariable: unique symbol = Symbol("unknown variable");

/**
 * A variable's value as the request sent it, its definition's default when it sent none,
 * `undefined` when neither is there, or `unknownVariable` at validation time.
 */
export type ReadVariable = (name: string) => unknown;

/** What the cost reads of a `@rest` field. */
export interface CostPlan {
  /** Batched: the most keys per call, and the argument path (`["ids"]`) of a key read from the arguments. */
  batch: { maxSize: number; keyArgument: readonly string[] | undefined } | undefined;
  /** The `{args.X}` paths of an unbatched field's URL: a list there (`?ids={args.ids}`) sizes its answer. */
  listArguments: readonly (readonly string[])[];
}

/** Cost plans by coordinate ("Query.users"), made once per instance. */
export function buildCostPlans(restFields: readonly RestPlan[]): ReadonlyMap<string, CostPlan> {
  return new Map(
    restFields.map((plan): [string, CostPlan] => {
      if (plan.batch) {
        const key = plan.batch.keyVariable;
        return [plan.coordinate, { batch: { maxSize: plan.batch.maxSize, keyArgument: key.root === "args" ? key.path : undefined }, listArguments: [] }];
      }
      const parts: TemplatePart[] = [...plan.url.path, ...plan.url.query.flatMap((param) => param.value)];
      const listArguments = parts.flatMap((part) => (typeof part !== "string" && part.root === "args" ? [part.path] : []));
      return [plan.coordinate, { batch: undefined, listArguments }];
    }),
  );
}

export interface CostWalk {
  schema: GraphQLSchema;
  rest: ReadonlyMap<string, CostPlan>;
  fragments: ReadonlyMap<string, FragmentDefinitionNode>;
  options: RestCostOptions;
  readVariable: ReadVariable;
}

const sizeArguments = new Set(["first", "last", "limit", "pageSize", "size", "count", "top", "perPage"]);

/**
 * Counts the upstream calls an operation could make. A `@rest` field costs one call per
 * parent it can be reached from; list fields multiply their children by their size (a size
 * argument, its default, or `assumedListSize`); a batched field costs ⌈keys / maxSize⌉ calls,
 * its keys being its parents, or the items of a list-valued key argument (each of which
 * resolves to one item). Variables are read only where they size a list or a key list; one
 * not known yet counts as 1, so that the count is a floor until the request's values come.
 */
export function countRestCalls(operation: OperationDefinitionNode, walk: CostWalk): number {
  const { schema, rest, fragments, options, readVariable } = walk;
  const root = schema.getRootType(operation.operation);
  return root ? costOf(operation.selectionSet, root, 1, new Set()) : 0;

  function costOf(selectionSet: SelectionSetNode, type: GraphQLCompositeType, multiplier: number, spreads: ReadonlySet<string>): number {
    let total = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : type;
        if (isCompositeType(condition)) total += costOf(selection.selectionSet, condition, multiplier, spreads);
      } else if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        const condition = fragment && schema.getType(fragment.typeCondition.name.value);
        if (!fragment || spreads.has(name) || !isCompositeType(condition)) continue;
        total += costOf(fragment.selectionSet, condition, multiplier, new Set(spreads).add(name));
      } else {
        total += fieldCost(selection, type, multiplier, spreads);
      }
    }
    return total;
  }

  function fieldCost(node: FieldNode, parent: GraphQLCompositeType, multiplier: number, spreads: ReadonlySet<string>): number {
    const name = node.name.value;
    if (name.startsWith("__") || !("getFields" in parent)) return 0;
    const field = parent.getFields()[name];
    if (field === undefined) return 0;
    const plan = rest.get(`${parent.name}.${name}`);
    // A list-valued key resolves element-wise: one key, and one answer item, per list item.
    const keys = plan?.batch?.keyArgument ? itemsAt(node, field, plan.batch.keyArgument) : undefined;
    let own = 0;
    if (plan) own = plan.batch ? Math.ceil((multiplier * (keys ?? 1)) / plan.batch.maxSize) : multiplier;
    const child = getNamedType(field.type);
    if (!node.selectionSet || !isCompositeType(child)) return own;
    let size = 1;
    if (isListType(getNullableType(field.type))) {
      size = keys ?? listSize(node, field);
      for (const path of plan?.listArguments ?? []) size = Math.max(size, itemsAt(node, field, path) ?? 1);
    }
    return own + costOf(node.selectionSet, child, multiplier * size, spreads);
  }

  /** The first size argument given (a literal, or a variable's value), else its default, else the assumed size. */
  function listSize(node: FieldNode, field: GraphQLField<unknown, unknown>): number {
    for (const arg of node.arguments ?? []) {
      if (!sizeArguments.has(arg.name.value)) continue;
      const value = arg.value.kind === Kind.VARIABLE ? readVariable(arg.value.name.value) : literal(arg.value);
      if (value === unknownVariable) return 1;
      // A variable the request left out: the argument is absent, and its default applies.
      if (value === undefined) continue;
      const size = toSize(value);
      return size === undefined ? options.assumedListSize : size;
    }
    for (const arg of field.args) {
      if (!sizeArguments.has(arg.name)) continue;
      const size = toSize(arg.defaultValue);
      if (size !== undefined) return size;
    }
    return options.assumedListSize;
  }

  /**
   * Items of the list at an argument path (`["filter", "ids"]`), given or defaulted; 1 for a
   * variable not known yet; undefined when the value there is not a list.
   */
  function itemsAt(node: FieldNode, field: GraphQLField<unknown, unknown>, [argument, ...path]: readonly string[]): number | undefined {
    const definition = field.args.find((arg) => arg.name === argument);
    if (!mayBeList(inputTypeAt(definition?.type, path))) return undefined;
    const given = node.arguments?.find((arg) => arg.name.value === argument);
    let value = given === undefined ? undefined : valueAt(given.value, path);
    if (value === undefined) value = readPath(definition?.defaultValue, path);
    if (value === unknownVariable) return 1;
    return Array.isArray(value) ? Math.max(1, value.length) : undefined;
  }

  /** The value at `path` inside an argument, as far as its shape goes: lists become arrays of their length. */
  function valueAt(node: ValueNode, path: readonly string[]): unknown {
    if (node.kind === Kind.VARIABLE) {
      const value = readVariable(node.name.value);
      return value === unknownVariable ? value : readPath(value, path);
    }
    if (path.length === 0) return node.kind === Kind.LIST ? new Array<undefined>(node.values.length) : literal(node);
    if (node.kind !== Kind.OBJECT) return undefined;
    const field = node.fields.find((f) => f.name.value === path[0]);
    return field === undefined ? undefined : valueAt(field.value, path.slice(1));
  }
}

/** Whether a value of this input type can be a list: a list type, or a custom scalar (JSON) or one not found. */
function mayBeList(type: GraphQLInputType | undefined): boolean {
  if (type === undefined) return true;
  const nullable = getNullableType(type);
  return isListType(nullable) || (isScalarType(nullable) && !isSpecifiedScalarType(nullable));
}

/** A scalar literal's value; null for `null` and for shapes the cost does not read. */
function literal(node: ValueNode): unknown {
  if (node.kind === Kind.INT || node.kind === Kind.STRING) return node.value;
  return null;
}

/** A list size from an Int (or a numeric string, as some APIs take `limit`); undefined otherwise. */
function toSize(value: unknown): number | undefined {
  const size = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
  return typeof size === "number" && Number.isFinite(size) ? Math.max(1, Math.floor(size)) : undefined;
}
