import { getOperationAST } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { TrestleResolverContext } from "../connector/create-resolvers.js";
import { buildCacheHeaders, type CacheHeaders } from "../execution/build-cache-headers.js";

/**
 * Tells the browser (and any shared cache in front) what it may cache (RFC 9111 §5.2.2): a
 * query whose every upstream read was answered from, or stored in, the shared cache as public
 * gets `Cache-Control: public, max-age=N`, N being the least remaining freshness among them,
 * and `Vary` naming the client headers those answers depend on (S04). No header for mutations
 * and subscriptions, for results with errors, for operations that read nothing upstream, or
 * when any read was per identity (private), uncacheable, or served stale.
 */
export function useCacheControlHeader(): Plugin {
  // Per HTTP request: the headers, or null once any operation in it forbids them.
  const decided = new WeakMap<Request, CacheHeaders | null>();
  return {
    onExecute({ args }) {
      const context = args.contextValue as Partial<TrestleResolverContext> & { request?: Request };
      const kind = getOperationAST(args.document, args.operationName)?.operation;
      return {
        onExecuteDone({ result }) {
          const request = context.request;
          if (request === undefined) return;
          const single = !(Symbol.asyncIterator in result);
          const value = single && kind === "query" && !result.errors?.length ? buildCacheHeaders(context.trestle?.calls ?? []) : null;
          const previous = decided.get(request);
          decided.set(request, previous === undefined ? value : leastCacheable(previous, value));
        },
      };
    },
    onResponse({ request, response }) {
      const value = decided.get(request);
      if (!value) return;
      response.headers.set("cache-control", value["cache-control"]);
      if (value.vary !== undefined) response.headers.append("vary", value.vary);
    },
  };
}

function leastCacheable(a: CacheHeaders | null, b: CacheHeaders | null): CacheHeaders | null {
  if (a === null || b === null) return null;
  const age = (value: CacheHeaders) => Number(value["cache-control"].slice(value["cache-control"].indexOf("=") + 1));
  const names = new Set([...(a.vary?.split(", ") ?? []), ...(b.vary?.split(", ") ?? [])]);
  const least = age(a) <= age(b) ? a : b;
  return names.size > 0
    ? { "cache-control": least["cache-control"], vary: [...names].sort().join(", ") }
    : { "cache-control": least["cache-control"] };
}
