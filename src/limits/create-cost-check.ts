import {
  getVariableValues,
  Kind,
  valueFromASTUntyped,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLError,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from "graphql";
import type { RestPlan } from "../plan/schema-plan.js";
import { buildCostPlans, type CostPlan } from "./build-cost-plans.js";
import { compileRestCost, type RestCost, type RestCostOptions } from "./compile-rest-cost.js";
import { createCostError } from "./create-cost-error.js";

/**
 * COST_LIMIT once the variables are known: the error for an operation whose variables' values
 * (list sizes, key lists) make it cost more than `maxCost`, else undefined. Both lanes call it
 * before execution, so a refused operation makes no upstream call. Variables that cannot be
 * coerced to their types are left to execution's BAD_USER_INPUT (which also runs nothing).
 */
export type CostCheck = (
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>> | null | undefined,
) => GraphQLError | undefined;

/** An operation whose cost reads its variables, and its variables' default values. */
interface VariableCost {
  cost: RestCost;
  defaults: ReadonlyMap<string, unknown>;
}

/**
 * The per-request half of the cost rule (createRestCostRule is the validation half). Each
 * parsed operation is compiled once (both lanes keep parsed documents); one whose cost reads
 * no variable, like one without variables, costs a lookup here, and the others evaluate their
 * compiled cost with the request's values.
 */
export function createCostCheck(schema: GraphQLSchema, restFields: readonly RestPlan[], options: RestCostOptions): CostCheck {
  const rest = buildCostPlans(restFields);
  const compiled = new WeakMap<OperationDefinitionNode, VariableCost | null>();
  return (document, operation, variables) => {
    if (operation.variableDefinitions === undefined || operation.variableDefinitions.length === 0) return undefined;
    let found = compiled.get(operation);
    if (found === undefined) compiled.set(operation, (found = compileVariableCost(schema, rest, options, document, operation)));
    if (found === null) return undefined;
    const { cost, defaults } = found;
    const count = cost.count((name) => (variables != null && Object.hasOwn(variables, name) ? variables[name] : defaults.get(name)));
    if (count <= options.maxCost) return undefined;
    // Values that do not fit their types (a string for an Int, 2**40) are the client's mistake
    // to hear about: execution refuses them (BAD_USER_INPUT) before any field runs. Checked
    // only here, on the way to a refusal: an operation within its cost pays nothing for it.
    if (getVariableValues(schema, operation.variableDefinitions, variables ?? {}, { maxErrors: 1 }).errors !== undefined) return undefined;
    return createCostError(operation, count, options.maxCost);
  };
}

/** The operation's compiled cost, or null when it reads no variable (validation costed it whole). */
function compileVariableCost(
  schema: GraphQLSchema,
  rest: ReadonlyMap<string, CostPlan>,
  options: RestCostOptions,
  document: DocumentNode,
  operation: OperationDefinitionNode,
): VariableCost | null {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const cost = compileRestCost(operation, { schema, rest, fragments, options });
  if (cost.variables.size === 0) return null;
  const defaults = new Map<string, unknown>();
  for (const definition of operation.variableDefinitions ?? []) {
    if (definition.defaultValue !== undefined) defaults.set(definition.variable.name.value, valueFromASTUntyped(definition.defaultValue));
  }
  return { cost, defaults };
}
