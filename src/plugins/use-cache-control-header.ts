import { getOperationAST } from "graphql";
import type { Plugin } from "graphql-yoga";
import type { TrestleResolverContext } from "../connector/create-resolvers.js";
import type { UpstreamCallRecord } from "../loader/operation-context.js";

/**
 * Tells the browser what it may cache (RFC 9111 §5.2.2): a query whose every upstream read was
 * answered from, or stored in, the shared cache as public gets `Cache-Control: public,
 * max-age=N`, N being the least remaining freshness among them. No header for mutations and
 * subscriptions, for results with errors, for operations that read nothing upstream, or when
 * any read was per identity (private), uncacheable, or served stale.
 */
export function useCacheControlHeader(): Plugin {
  // Per HTTP request: the header value, or null once any operation in it forbids one.
  const decided = new WeakMap<Request, string | null>();
  return {
    onExecute({ args }) {
      const context = args.contextValue as Partial<TrestleResolverContext> & { request?: Request };
      const kind = getOperationAST(args.document, args.operationName)?.operation;
      return {
        onExecuteDone({ result }) {
          const request = context.request;
          if (request === undefined) return;
          const single = !(Symbol.asyncIterator in result);
          const value = single && kind === "query" && !result.errors?.length ? buildCacheControl(context.trestle?.calls ?? []) : null;
          const previous = decided.get(request);
          decided.set(request, previous === undefined ? value : leastCacheable(previous, value));
        },
      };
    },
    onResponse({ request, response }) {
      const value = decided.get(request);
      if (value) response.headers.set("cache-control", value);
    },
  };
}

/** `public, max-age=N` from the operation's upstream reads, or null when they allow none. */
export function buildCacheControl(calls: readonly UpstreamCallRecord[]): string | null {
  let maxAge = Number.POSITIVE_INFINITY;
  for (const call of calls) {
    const cache = call.cache;
    if (cache?.maxAge === undefined || cache.scope !== "public" || cache.status === "stale") return null;
    if (cache.maxAge < maxAge) maxAge = cache.maxAge;
  }
  return maxAge > 0 && maxAge !== Number.POSITIVE_INFINITY ? `public, max-age=${maxAge}` : null;
}

function leastCacheable(a: string | null, b: string | null): string | null {
  if (a === null || b === null) return null;
  const age = (value: string) => Number(value.slice(value.indexOf("=") + 1));
  return age(a) <= age(b) ? a : b;
}
