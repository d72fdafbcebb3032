import { maxAliasesRule } from "@escape.tech/graphql-armor-max-aliases";
import { maxDepthRule } from "@escape.tech/graphql-armor-max-depth";
import { maxDirectivesRule } from "@escape.tech/graphql-armor-max-directives";
import { maxTokensPlugin } from "@escape.tech/graphql-armor-max-tokens";
import { GraphQLError, NoSchemaIntrospectionCustomRule, type ValidationContext, type ValidationRule } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { NormalizedLimits } from "../config/limits-options.js";
import { createMaxRootFieldsRule } from "../limits/create-max-root-fields-rule.js";
import { createRestCostRule } from "../limits/create-rest-cost-rule.js";
import { createLimitError, type LimitCode } from "../limits/limit-error.js";
import type { RestPlan } from "../sdl/schema-plan.js";

/**
 * Request-shape limits as validation rules, so they run once per distinct document and
 * before any upstream call. graphql-armor measures depth, aliases, directives and tokens;
 * its own rejections are HTTP 200 without a code under Yoga, so each is re-reported here
 * as a 400 with a stable `extensions.code`.
 */
export function useLimits(limits: NormalizedLimits, restFields: readonly RestPlan[], introspection: boolean): Plugin {
  const rules: ValidationRule[] = [
    maxDepthRule({ n: limits.maxDepth, flattenFragments: true, ignoreIntrospection: true, ...report("MAX_DEPTH_LIMIT") }) as ValidationRule,
    maxAliasesRule({ n: limits.maxAliases, ...report("MAX_ALIASES_LIMIT") }) as ValidationRule,
    maxDirectivesRule({ n: limits.maxDirectives, ...report("MAX_DIRECTIVES_LIMIT") }) as ValidationRule,
    createMaxRootFieldsRule(limits.maxRootFields),
    createRestCostRule(restFields, { maxCost: limits.maxCost, assumedListSize: limits.assumedListSize }),
  ];
  if (!introspection) rules.push(NoSchemaIntrospectionCustomRule);
  const tokens = maxTokensPlugin({
    n: limits.maxTokens,
    onReject: [
      (_context, error) => {
        throw createLimitError("MAX_TOKENS_LIMIT", stripPrefix(error));
      },
    ],
  }) as Plugin;
  return {
    onPluginInit({ addPlugin }) {
      addPlugin(tokens);
    },
    onResultProcess({ result }) {
      // Yoga marks parse errors as spec errors (HTTP 200 for application/json) after every
      // onParse hook has run; a token limit is not a spec error, so the mark is undone here.
      const errors = !Array.isArray(result) && "errors" in result ? result.errors : undefined;
      for (const error of errors ?? []) {
        if (error instanceof GraphQLError && error.extensions["code"] === "MAX_TOKENS_LIMIT") {
          (error.extensions["http"] as { spec?: boolean }).spec = false;
        }
      }
    },
    onValidate({ addValidationRule }) {
      for (const rule of rules) addValidationRule(rule);
    },
  };
}

/** armor options that report a coded error instead of throwing its own. */
function report(code: LimitCode) {
  return {
    propagateOnRejection: false,
    onReject: [
      (context: ValidationContext | null, error: GraphQLError) => {
        context?.reportError(createLimitError(code, stripPrefix(error)));
      },
    ],
  };
}

/** armor prefixes its messages with "Syntax Error: " although none is one. */
function stripPrefix(error: GraphQLError): string {
  return error.message.replace(/^Syntax Error: /, "");
}
