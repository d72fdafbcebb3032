import { getOperationAST, type ExecutionResult } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { TrestleResolverContext } from "../connector/create-resolvers.js";
import { pickMediaType, type ExecutedOperation, type ResultStep } from "../execution/create-result-step.js";

/**
 * Yoga's answers go through Trestle's result step (create-result-step.ts), the one the fast
 * route calls directly: same media type choice, status rules, error codes, Cache-Control and
 * serialisation, through yoga's public `onExecute` and `onResultProcess` hooks. Streams
 * (subscriptions, `@defer`) and clients that accept no JSON type are left to yoga's own
 * processors (SSE, multipart, 406); a request error they answer still gets the result step's
 * status, handed to them as the result's `extensions.http.status` (yoga's documented field,
 * stripped from the output): as for `application/json` over server-sent events (a validation
 * error 200, a limit 400), as for `application/graphql-response+json` over multipart (400).
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
    onResultProcess({ request, result, setResult, resultProcessor, setResultProcessor }) {
      if (Array.isArray(result)) return;
      if (Symbol.asyncIterator in result) {
        // A stream no processor of yoga's can answer (a subscription asked for as JSON): a clear 406, and the stream let go.
        if (resultProcessor === undefined) setResultProcessor((stream, fetchAPI) => refuseStream(stream, fetchAPI), "application/json");
        return;
      }
      const accept = request.headers.get("accept");
      const mediaType = pickMediaType(accept);
      if (mediaType === undefined) {
        if (result.data !== undefined || !result.errors?.length) return;
        const { status } = step(streamRule(accept ?? ""), result as ExecutionResult, executed.get(request));
        setResult({ ...result, extensions: { ...result.extensions, http: { status } } });
        return;
      }
      setResultProcessor((processed, fetchAPI) => {
        const answer = step(mediaType, processed as ExecutionResult, executed.get(request));
        return new fetchAPI.Response(answer.body, { status: answer.status, headers: answer.headers });
      }, mediaType);
    },
  };
}

/** The JSON type whose status rules a stream of `accept` follows: SSE's events are JSON (`application/json`), multipart's parts are not. */
function streamRule(accept: string): string {
  const sse = accept.indexOf("text/event-stream");
  const multipart = accept.indexOf("multipart/mixed");
  return sse >= 0 && (multipart < 0 || sse < multipart) ? "application/json" : "application/graphql-response+json";
}

/** 406 for a stream asked for as JSON: its iterator is ended at once (its budget released, no upstream call). */
function refuseStream(stream: unknown, fetchAPI: { Response: typeof Response }): Response {
  void (stream as AsyncIterator<unknown>).return?.();
  const message =
    "A subscription answers as a stream: send it with Accept: text/event-stream (GraphQL over SSE) or over WebSocket (graphql-transport-ws).";
  return new fetchAPI.Response(JSON.stringify({ errors: [{ message, extensions: { code: "NOT_ACCEPTABLE" } }] }), {
    status: 406,
    headers: { "content-type": "application/json" },
  });
}
