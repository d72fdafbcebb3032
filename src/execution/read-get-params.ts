import type { Exchange } from "../http/exchange.js";
import { readTargetParams } from "./read-graphql-params.js";

/** A GraphQL GET as the fast lane takes it. */
export interface GetParams {
  method: "GET";
  body: unknown;
  accept: string | null;
  headers: Exchange["headers"];
}

/** An Accept naming text/html, in any case. */
const pageLoad = /text\/html/i;

/**
 * The parameters of a GraphQL query over GET (GraphQL over HTTP §6.1), when the fast lane may
 * run it: a `query` parameter, `variables`/`extensions` that are JSON objects, and an `Accept`
 * that is not a browser's page load (text/html: GraphiQL). Undefined otherwise: yoga answers
 * (GraphiQL, its 400 for malformed parameters, 405 for a mutation, event streams).
 */
export function readGetParams(exchange: Exchange): GetParams | undefined {
  const accept = exchange.headers.get("accept");
  if (accept !== null && pageLoad.test(accept)) return undefined;
  const body = readTargetParams(exchange.target);
  if (typeof body?.["query"] !== "string") return undefined;
  return { method: "GET", body, accept, headers: exchange.headers };
}
