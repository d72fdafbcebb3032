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
import { inputTypeAt } from "../connector/map-input.js";
import { readPath } from "../template/parse-template.js";
import type { CostPlan } from "./build-cost-plans.js";

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

/** One operation's cost as a function of its variables. */
export interface RestCost {
  /** The variables the cost reads: none when its literals alone decide it. */
  readonly variables: ReadonlySet<string>;
  /** The upstream calls the operation could make with these values; an unknown size or key list counts as 1, a floor. */
  count(readVariable: ReadVariable): number;
}

export interface CostContext {
  schema: GraphQLSchema;
  /** Cost plans of the `@rest` fields, by coordinate ("Query.users"). */
  rest: ReadonlyMap<string, CostPlan>;
  fragments: ReadonlyMap<string, FragmentDefinitionNode>;
  options: RestCostOptions;
}

/** A number known from literals alone, or one read from the variables. */
type Measure<T> = T | ((read: ReadVariable) => T);

/** A field on the way to a `@rest` call; fields with none below them are left out. */
interface CostNode {
  /** `each`: one call per parent; a number: batched, one call per that many keys. */
  calls: "each" | number | undefined;
  /** Items of a batched field's list-valued key: its keys per parent, and its answer's size. */
  keys: Measure<number | undefined> | undefined;
  /** List fields: the size argument (or its default, or the assumed size). */
  size: Measure<number> | undefined;
  /** List values in an unbatched field's URL (`?ids={args.ids}`): its answer is at least as long. */
  urlLists: Measure<number | undefined>[];
  children: CostNode[];
}

const sizeArguments = new Set(["first", "last", "limit", "pageSize", "size", "count", "top", "perPage"]);

/**
 * Compiles an operation's cost, once per parsed operation. A `@rest` field costs one call per
 * parent it can be reached from; list fields multiply their children by their size (a size
 * argument, its default, or `assumedListSize`); a batched field costs ⌈keys / maxSize⌉ calls,
 * its keys being its parents, or the items of a list-valued key argument (each of which
 * resolves to one item). Literals are read now; variables, where they size a list or a key
 * list, are read by `count`.
 */
export function compileRestCost(operation: OperationDefinitionNode, context: CostContext): RestCost {
  const { schema, rest, fragments, options } = context;
  const variables = new Set<string>();
  const root = schema.getRootType(operation.operation);
  const nodes = root ? build(operation.selectionSet, root, new Set()) : [];
  return { variables, count: (read) => evaluate(nodes, 1, read) };

  /** `page`: the selection is a connection's (`paginate:`): its lists (edges, nodes) are the page its field already sized. */
  function build(selectionSet: SelectionSetNode, type: GraphQLCompositeType, spreads: ReadonlySet<string>, page = false): CostNode[] {
    const nodes: CostNode[] = [];
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : type;
        if (isCompositeType(condition)) nodes.push(...build(selection.selectionSet, condition, spreads, page));
      } else if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        const condition = fragment && schema.getType(fragment.typeCondition.name.value);
        if (!fragment || spreads.has(name) || !isCompositeType(condition)) continue;
        nodes.push(...build(fragment.selectionSet, condition, new Set(spreads).add(name), page));
      } else {
        const node = buildField(selection, type, spreads, page);
        if (node !== undefined) nodes.push(node);
      }
    }
    return nodes;
  }

  function buildField(node: FieldNode, parent: GraphQLCompositeType, spreads: ReadonlySet<string>, page: boolean): CostNode | undefined {
    const name = node.name.value;
    if (name.startsWith("__") || !("getFields" in parent)) return undefined;
    const field = parent.getFields()[name];
    if (field === undefined) return undefined;
    const plan = rest.get(`${parent.name}.${name}`);
    const child = getNamedType(field.type);
    const paginated = plan?.paginated === true;
    const children = node.selectionSet && isCompositeType(child) ? build(node.selectionSet, child, spreads, paginated) : [];
    if (plan === undefined && children.length === 0) return undefined;
    // A connection counts as a list of its `first`; the lists inside it are that one page.
    const list = (isListType(getNullableType(field.type)) && !page) || paginated;
    // A list-valued key resolves element-wise: one key, and one answer item, per list item.
    const keyArgument = plan?.batch?.keyArgument;
    return {
      calls: plan === undefined ? undefined : (plan.batch?.maxSize ?? "each"),
      keys: keyArgument ? itemsAt(node, field, keyArgument) : undefined,
      size: list && children.length > 0 ? listSize(node, field) : undefined,
      urlLists: list && children.length > 0 ? (plan?.listArguments ?? []).map((path) => itemsAt(node, field, path)) : [],
      children,
    };
  }

  /** The first size argument given (a literal, or a variable's value), else its default, else the assumed size. */
  function listSize(node: FieldNode, field: GraphQLField<unknown, unknown>): Measure<number> {
    const given = (node.arguments ?? []).filter((arg) => sizeArguments.has(arg.name.value)).map((arg) => arg.value);
    let fallback = options.assumedListSize;
    for (const arg of field.args) {
      const size = sizeArguments.has(arg.name) ? toSize(arg.defaultValue) : undefined;
      if (size !== undefined) {
        fallback = size;
        break;
      }
    }
    const first = given[0];
    if (first === undefined) return fallback;
    if (first.kind !== Kind.VARIABLE) return toSize(literal(first)) ?? options.assumedListSize;
    for (const value of given) if (value.kind === Kind.VARIABLE) variables.add(value.name.value);
    return (read) => {
      for (const value of given) {
        const found = value.kind === Kind.VARIABLE ? read(value.name.value) : literal(value);
        if (found === unknownVariable) return 1;
        // A variable the request left out: the argument is absent, and its default applies.
        if (found === undefined) continue;
        return toSize(found) ?? options.assumedListSize;
      }
      return fallback;
    };
  }

  /**
   * Items of the list at an argument path (`["filter", "ids"]`), given or defaulted; 1 for a
   * variable not known yet; undefined when the value there is not a list.
   */
  function itemsAt(
    node: FieldNode,
    field: GraphQLField<unknown, unknown>,
    [argument, ...path]: readonly string[],
  ): Measure<number | undefined> {
    const definition = field.args.find((arg) => arg.name === argument);
    if (!mayBeList(inputTypeAt(definition?.type, path))) return undefined;
    const fallback = countItems(readPath(definition?.defaultValue, path));
    const given = node.arguments?.find((arg) => arg.name.value === argument);
    // Down the literal to the list, or to a variable that holds it (or holds an object around it).
    let value: ValueNode | undefined = given?.value;
    let rest: readonly string[] = path;
    while (value !== undefined && value.kind === Kind.OBJECT && rest.length > 0) {
      value = value.fields.find((f) => f.name.value === rest[0])?.value;
      rest = rest.slice(1);
    }
    if (value === undefined) return fallback;
    if (value.kind !== Kind.VARIABLE)
      return rest.length > 0 ? fallback : value.kind === Kind.LIST ? Math.max(1, value.values.length) : undefined;
    const variable = value.name.value;
    variables.add(variable);
    return (read) => {
      const found = read(variable);
      if (found === unknownVariable) return 1;
      const at = readPath(found, rest);
      return at === undefined ? fallback : countItems(at);
    };
  }
}

/** Sums the calls of `nodes` reached from `multiplier` parents. */
function evaluate(nodes: readonly CostNode[], multiplier: number, read: ReadVariable): number {
  let total = 0;
  for (const node of nodes) {
    const keys = measure(node.keys, read);
    if (node.calls === "each") total += multiplier;
    else if (node.calls !== undefined) total += Math.ceil((multiplier * (keys ?? 1)) / node.calls);
    if (node.children.length === 0) continue;
    let size = node.size === undefined ? 1 : (keys ?? measure(node.size, read));
    for (const items of node.urlLists) size = Math.max(size, measure(items, read) ?? 1);
    total += evaluate(node.children, multiplier * size, read);
  }
  return total;
}

function measure<T>(value: Measure<T>, read: ReadVariable): T {
  return typeof value === "function" ? (value as (read: ReadVariable) => T)(read) : value;
}

function countItems(value: unknown): number | undefined {
  return Array.isArray(value) ? Math.max(1, value.length) : undefined;
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
