import type { GraphQLError, OperationDefinitionNode } from "graphql";
import { createLimitError } from "./limit-error.js";

/** COST_LIMIT, worded the same at validation and once the variables are known. */
export function createCostError(operation: OperationDefinitionNode, cost: number, maxCost: number): GraphQLError {
  const name = operation.name ? ` ${operation.name.value}` : "";
  return createLimitError(
    "COST_LIMIT",
    `Operation${name} could make ${Math.ceil(cost)} upstream calls; the limit is ${maxCost}.`,
    operation,
  );
}
