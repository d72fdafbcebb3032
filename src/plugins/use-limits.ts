import { getOperationAST, GraphQLError, type ExecutionArgs, type ValidationRule } from "graphql";
import type { Plugin } from "graphql-yoga";
import { hideSuggestions } from "../execution/hide-suggestions.js";
import { parseDocument } from "../execution/parse-document.js";
import type { CostCheck } from "../limits/create-cost-check.js";

/**
 * Yoga's lane gets the same parsing (token limit) and validation rules as the fast lane:
 * the rules run once per distinct document, before any upstream call; `checkCost` runs per
 * request, with its variables, before execution (or before a subscription starts).
 */
export function useLimits(rules: readonly ValidationRule[], maxTokens: number, showSuggestions: boolean, checkCost?: CostCheck): Plugin {
  const costError = (args: ExecutionArgs) => {
    const operation = checkCost && getOperationAST(args.document, args.operationName);
    return operation ? checkCost?.(args.document, operation, args.variableValues) : undefined;
  };
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
    // Queries and mutations pass onExecute, subscriptions (over SSE and WebSocket) onSubscribe.
    onExecute({ args, setResultAndStopExecution }) {
      const error = costError(args);
      if (error !== undefined) setResultAndStopExecution({ errors: [error] });
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const error = costError(args);
      if (error !== undefined) setResultAndStopExecution({ errors: [error] });
    },
  };
}
