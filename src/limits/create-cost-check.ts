import { Kind, valueFromASTUntyped, type DocumentNode, type FragmentDefinitionNode, type GraphQLError, type GraphQLSchema, type OperationDefinitionNode } from "graphql";
import type { RestPlan } from "../sdl/schema-plan.js";
import { buildCostPlans, countRestCalls, type CostPlan, type RestCostOptions } from "./count-rest-calls.js";
import { createCostError } from "./create-cost-error.js";

/**
 * COST_LIMIT once the variables are known: the error for an operation whose variables' values
 * (list sizes, key lists) make it cost more than `maxCost`, else undefined. Both lanes call it
 * before the operation's context is made, so a refused operation makes no upstream call.
 */
export type CostCheck = (document: DocumentNode, operation: OperationDefinitionNode, variables: Readonly<Record<string, unknown>> | null | undefined) => GraphQLError | undefined;

/** What one operation's cost reads of its variables: nothing (its validation-time cost is exact), or these. */
interface VariableUse {
  fragments: ReadonlyMap<string, FragmentDefinitionNode>;
  /** Default values of the variable definitions, by name. */
  defaults: ReadonlyMap<string, unknown>;
}

/**
 * The per-request half of the cost rule (createRestCostRule is the validation half). An
 * operation without variables, or whose variables size no list, costs nothing here past a
 * lookup: which variables an operation's cost reads is found once per parsed operation (both
 * lanes keep parsed documents), and only those operations are walked again per request.
 */
export function createCostCheck(schema: GraphQLSchema, restFields: readonly RestPlan[], options: RestCostOptions): CostCheck {
  const rest = buildCostPlans(restFields);
  const uses = new WeakMap<OperationDefinitionNode, VariableUse | null>();
  return (document, operation, variables) => {
    if (operation.variableDefinitions === undefined || operation.variableDefinitions.length === 0) return undefined;
    let use = uses.get(operation);
    if (use === undefined) uses.set(operation, (use = findVariableUse(schema, rest, options, document, operation)));
    if (use === null) return undefined;
    const { fragments, defaults } = use;
    const readVariable = (name: string) => (variables != null && Object.hasOwn(variables, name) ? variables[name] : defaults.get(name));
    const cost = countRestCalls(operation, { schema, rest, fragments, options, readVariable });
    return cost > options.maxCost ? createCostError(operation, cost, options.maxCost) : undefined;
  };
}

/** Walks the operation once, noting the variables its cost reads: null when it reads none. */
function findVariableUse(schema: GraphQLSchema, rest: ReadonlyMap<string, CostPlan>, options: RestCostOptions, document: DocumentNode, operation: OperationDefinitionNode): VariableUse | null {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  let read = false;
  countRestCalls(operation, { schema, rest, fragments, options, readVariable: () => {
      read = true;
      return undefined;
    },
  });
  if (!read) return null;
  const defaults = new Map<string, unknown>();
  for (const definition of operation.variableDefinitions ?? []) {
    if (definition.defaultValue !== undefined) defaults.set(definition.variable.name.value, valueFromASTUntyped(definition.defaultValue));
  }
  return { fragments, defaults };
}
