import type { Plugin } from "graphql-yoga";
import type { TrestleResolverContext } from "../connector/create-resolvers.js";
import { debugExtensions } from "../execution/debug-extensions.js";

/**
 * In debug mode, each result carries `extensions.trestle.upstreamCalls` (upstream, method, route,
 * path, batch, status, start, ms, cache), which GraphiQL's "Upstream calls" panel draws.
 */
export function useDebugExtensions(): Plugin {
  return {
    onExecute({ args }) {
      const operation = (args.contextValue as Partial<TrestleResolverContext>).trestle;
      return {
        onExecuteDone({ result, setResult }) {
          if (operation === undefined || Symbol.asyncIterator in result) return;
          const calls = operation.calls;
          setResult({
            ...result,
            extensions: { ...result.extensions, ...debugExtensions(calls) },
          });
        },
      };
    },
  };
}
