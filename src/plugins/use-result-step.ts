import type { ExecutionResult } from "graphql";
import type { Plugin } from "graphql-yoga";
import { pickMediaType, type ResultStep } from "../execution/create-result-step.js";

/**
 * Yoga's answers go through Trestle's result step (create-result-step.ts), the one the fast
 * route calls directly: same media type choice, status rules, error codes and serialisation,
 * through yoga's public `onResultProcess` hook. Streams (subscriptions, `@defer`) and clients
 * that accept no JSON type are left to yoga's own processors (SSE, multipart, 406).
 */
export function useResultStep(step: ResultStep): Plugin {
  return {
    onResultProcess({ request, result, setResultProcessor }) {
      if (Array.isArray(result) || Symbol.asyncIterator in result) return;
      const mediaType = pickMediaType(request.headers.get("accept"));
      if (mediaType === undefined) return;
      setResultProcessor((processed, fetchAPI) => {
        const answer = step(mediaType, processed as ExecutionResult);
        return new fetchAPI.Response(answer.body, { status: answer.status, headers: answer.headers });
      }, mediaType);
    },
  };
}
