import {
  getNamedType,
  getNullableType,
  isCompositeType,
  isListType,
  Kind,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationRule,
} from "graphql";
import type { RestPlan } from "../sdl/schema-plan.js";
import { createLimitError } from "./limit-error.js";

export interface RestCostOptions {
  /** Most upstream calls one operation may plan. */
  maxCost: number;
  /** Items assumed in a list whose size no `first`/`last`/`limit` argument states. */
  assumedListSize: number;
}

const sizeArguments = new Set(["first", "last", "limit", "pageSize", "size", "count", "top", "perPage"]);

/**
 * COST_LIMIT: counts the upstream calls an operation could make. A `@rest` field costs one
 * call per parent it can be reached from (list fields multiply by their stated or assumed
 * size); a batched field costs one call per `maxSize` parents. Runs once per distinct
 * document, as a validation rule.
 */
export function createRestCostRule(restFields: readonly RestPlan[], options: RestCostOptions): ValidationRule {
  const rest = new Map(restFields.map((plan) => [plan.coordinate, plan]));
  return (context) => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    const operations: OperationDefinitionNode[] = [];
    return {
      FragmentDefinition(node) {
        fragments.set(node.name.value, node);
      },
      OperationDefinition(node) {
        operations.push(node);
      },
      Document: {
        leave() {
          const schema = context.getSchema();
          for (const operation of operations) {
            const root = schema.getRootType(operation.operation);
            if (!root) continue;
            const variables = new Map(
              (operation.variableDefinitions ?? []).map((v) => [v.variable.name.value, v.defaultValue?.kind === Kind.INT ? Number(v.defaultValue.value) : undefined]),
            );
            const cost = costOf(operation.selectionSet, root, 1, new Set());
            if (cost > options.maxCost) {
              const name = operation.name ? ` ${operation.name.value}` : "";
              context.reportError(
                createLimitError("COST_LIMIT", `Operation${name} could make ${Math.ceil(cost)} upstream calls; the limit is ${options.maxCost}.`, operation),
              );
            }

            function costOf(selectionSet: SelectionSetNode, type: GraphQLCompositeType, multiplier: number, spreads: Set<string>): number {
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

            function fieldCost(node: FieldNode, parent: GraphQLCompositeType, multiplier: number, spreads: Set<string>): number {
              const name = node.name.value;
              if (name.startsWith("__") || !("getFields" in parent)) return 0;
              const field = parent.getFields()[name];
              if (field === undefined) return 0;
              const plan = rest.get(`${parent.name}.${name}`);
              let own = 0;
              if (plan) own = plan.batch && multiplier > 1 ? Math.ceil(multiplier / plan.batch.maxSize) : multiplier;
              const child = getNamedType(field.type);
              if (!node.selectionSet || !isCompositeType(child)) return own;
              const size = isListType(getNullableType(field.type)) ? listSize(node, field, variables, options.assumedListSize) : 1;
              return own + costOf(node.selectionSet, child, multiplier * size, spreads);
            }
          }
        },
      },
    };
  };
}

function listSize(node: FieldNode, field: GraphQLField<unknown, unknown>, variables: Map<string, number | undefined>, assumed: number): number {
  for (const arg of node.arguments ?? []) {
    if (!sizeArguments.has(arg.name.value)) continue;
    if (arg.value.kind === Kind.INT) return Math.max(1, Number(arg.value.value));
    if (arg.value.kind === Kind.VARIABLE) return variables.get(arg.value.name.value) ?? assumed;
  }
  for (const arg of field.args) {
    if (sizeArguments.has(arg.name) && typeof arg.defaultValue === "number") return Math.max(1, arg.defaultValue);
  }
  return assumed;
}
