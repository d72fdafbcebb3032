import { getOperationAST, GraphQLError, type ValidationRule } from "graphql";
import type { Plugin } from "graphql-yoga";
import { hideSuggestions } from "../execution/hide-suggestions.js";
import { parseDocument } from "../execution/parse-document.js";
import type { CostCheck } from "../limits/create-cost-check.js";

/**
 * Yoga's lane gets the same parsing (token limit) and validation rules as the fast lane:
 * the rules run once per distinct document, before any upstream call; `checkCost` runs per
 * request, with its variables, before execution.
 */
export function useLimits(rules: readonly ValidationRule[], maxTokens: number, showSuggestions: boolean, checkCost?: CostCheck): Plugin {
  return {
    onParse({ setParseFn }) {
      setParseFn((source) => parseDocument(typeof source === "string" ? source : source.body, maxTokens));
    },
    onValidate({ addValidationRule }) {
      for (const rule of rules) addValidationRule(rule);
      if (showSuggestions) return;
      return ({ valid, result, setResult }) => {
        if (!valid) setResult(result.map((error) => (error instanceof GraphQLError ? hideSuggestions(error) : error)));
      };
    },
    onExecute({ args, setResultAndStopExecution }) {
      const operation = checkCost && getOperationAST(args.document, args.operationName);
      const error = operation ? checkCost?.(args.document, operation, args.variableValues) : undefined;
      if (error !== undefined) setResultAndStopExecution({ errors: [error] });
    },
  };
}
