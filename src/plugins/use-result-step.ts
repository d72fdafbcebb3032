import { getOperationAST, type ExecutionResult } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { TrestleResolverContext } from "../connector/create-resolvers.js";
import { pickMediaType, type ExecutedOperation, type ResultStep } from "../execution/create-result-step.js";

/**
 * Yoga's answers go through Trestle's result step (create-result-step.ts), the one the fast
 * route calls directly: same media type choice, status rules, error codes, Cache-Control and
 * serialisation, through yoga's public `onExecute` and `onResultProcess` hooks. Streams
 * (subscriptions, `@defer`) and clients that accept no JSON type are left to yoga's own
 * processors (SSE, multipart, 406).
 */
export function useResultStep(step: ResultStep): Plugin {
  // Per HTTP request (yoga runs one operation per request: batching is off): what ran.
  const executed = new WeakMap<Request, ExecutedOperation>();
  return {
    onExecute({ args }) {
      const context = args.contextValue as Partial<TrestleResolverContext> & { request?: Request };
      if (context.request === undefined) return;
      executed.set(context.request, {
        operation: getOperationAST(args.document, args.operationName)?.operation,
        calls: context.trestle?.calls ?? [],
      });
    },
    onResultProcess({ request, result, setResultProcessor }) {
      if (Array.isArray(result) || Symbol.asyncIterator in result) return;
      const mediaType = pickMediaType(request.headers.get("accept"));
      if (mediaType === undefined) return;
      setResultProcessor((processed, fetchAPI) => {
        const answer = step(mediaType, processed as ExecutionResult, executed.get(request));
        return new fetchAPI.Response(answer.body, { status: answer.status, headers: answer.headers });
      }, mediaType);
    },
  };
}
