import { maxAliasesRule } from "@escape.tech/graphql-armor-max-aliases";
import { maxDepthRule } from "@escape.tech/graphql-armor-max-depth";
import { maxDirectivesRule } from "@escape.tech/graphql-armor-max-directives";
import { NoSchemaIntrospectionCustomRule, type GraphQLError, type ValidationContext, type ValidationRule } from "graphql";
import type { NormalizedLimits } from "../config/limits-options.js";
import type { RestPlan } from "../plan/schema-plan.js";
import { createMaxRootFieldsRule } from "./create-max-root-fields-rule.js";
import { createRestCostRule } from "./create-rest-cost-rule.js";
import { createLimitError, type LimitCode } from "./limit-error.js";

/**
 * The request-shape limits as validation rules, run once per distinct document by both lanes.
 * graphql-armor measures depth, aliases and directives; its rejections are re-reported as
 * coded 400s (under Yoga they would be HTTP 200 without a code).
 */
export function createLimitRules(limits: NormalizedLimits, restFields: readonly RestPlan[], introspection: boolean): ValidationRule[] {
  const rules: ValidationRule[] = [
    maxDepthRule({ n: limits.maxDepth, flattenFragments: true, ignoreIntrospection: true, ...report("MAX_DEPTH_LIMIT") }) as ValidationRule,
    maxAliasesRule({ n: limits.maxAliases, ...report("MAX_ALIASES_LIMIT") }) as ValidationRule,
    maxDirectivesRule({ n: limits.maxDirectives, ...report("MAX_DIRECTIVES_LIMIT") }) as ValidationRule,
    createMaxRootFieldsRule(limits.maxRootFields),
    createRestCostRule(restFields, { maxCost: limits.maxCost, assumedListSize: limits.assumedListSize }),
  ];
  if (!introspection) rules.push(NoSchemaIntrospectionCustomRule);
  return rules;
}

/** armor options that report a coded error instead of throwing its own. */
function report(code: LimitCode) {
  return {
    propagateOnRejection: false,
    onReject: [
      (context: ValidationContext | null, error: GraphQLError) => {
        context?.reportError(createLimitError(code, error.message.replace(/^Syntax Error: /, "")));
      },
    ],
  };
}
