import type { FragmentDefinitionNode, OperationDefinitionNode, ValidationRule } from "graphql";
import type { RestPlan } from "../plan/schema-plan.js";
import { buildCostPlans } from "./build-cost-plans.js";
import { compileRestCost, unknownVariable, type RestCostOptions } from "./compile-rest-cost.js";
import { createCostError } from "./create-cost-error.js";

export type { RestCostOptions } from "./compile-rest-cost.js";

/**
 * COST_LIMIT at validation: counts the upstream calls an operation could make from its
 * literal values (see compileRestCost), once per distinct document. Sizes and key lists given
 * by variables count as 1 here, a floor: the request's values are costed by createCostCheck
 * once they are known.
 */
export function createRestCostRule(restFields: readonly RestPlan[], options: RestCostOptions): ValidationRule {
  const rest = buildCostPlans(restFields);
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
          const costContext = { schema: context.getSchema(), rest, fragments, options };
          for (const operation of operations) {
            const cost = compileRestCost(operation, costContext).count(() => unknownVariable);
            if (cost > options.maxCost) context.reportError(createCostError(operation, cost, options.maxCost));
          }
        },
      },
    };
  };
}
