import type { Context } from "@opentelemetry/api";
import { getOperationAST } from "graphql";
import type { Plugin } from "graphql-yoga";
import { liveTracer } from "../tracing/live-tracer.js";
import { traceOperation } from "../tracing/trace-operation.js";

/**
 * Yoga's operations (GraphQL over GET, other media types, subscriptions over SSE and
 * WebSocket) as operation spans, as the fast lane's (trace-operation.ts): the execute and
 * subscribe functions are wrapped only while an OpenTelemetry SDK is registered. A
 * subscription's span covers opening it (its upstream stream included), not its events.
 */
export function useTracing(): Plugin {
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      if (liveTracer() === undefined) return;
      const operation = getOperationAST(args.document, args.operationName);
      if (operation != null) setExecuteFn((a) => traceOperation(operation, a.document, holderOf(a.contextValue), () => executeFn(a)));
    },
    onSubscribe({ args, subscribeFn, setSubscribeFn }) {
      if (liveTracer() === undefined) return;
      const operation = getOperationAST(args.document, args.operationName);
      if (operation != null) setSubscribeFn((a) => traceOperation(operation, a.document, holderOf(a.contextValue), () => subscribeFn(a)));
    },
  };
}

/** The operation context (its `trace` carries the request's trace context), when the context is Trestle's. */
function holderOf(contextValue: unknown): { trace?: Context | undefined } | undefined {
  return (contextValue as { trestle?: { trace?: Context | undefined } } | undefined)?.trestle;
}
