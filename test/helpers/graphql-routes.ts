import { afterAll } from "vitest";
import type { Trestle } from "../../src/index.js";
import { serveTrestle, type TrestleServer } from "../passthrough/raw-http.js";
import type { GraphQLResult } from "./graphql.js";

/**
 * The ways in a GraphQL operation can take: POST JSON (the fast route) and GET (yoga's route),
 * each through `trestle.fetch` and through `trestle.handle` on a node:http server. A mutation
 * is always POSTed (GET may not carry one), so on the GET routes it goes the POST way.
 */
export const graphqlRoutes = ["fetch POST", "fetch GET", "handle POST", "handle GET"] as const;
export type GraphQLRoute = (typeof graphqlRoutes)[number];

export type RouteQuery = (
  trestle: Trestle,
  document: string,
  variables?: Record<string, unknown>,
  headers?: Record<string, string>,
) => Promise<GraphQLResult>;

/**
 * A `query(trestle, document, variables, headers)` that sends over `route`; for the handle
 * routes, each Trestle gets one node:http server, closed after the suite.
 */
export function queryOver(route: GraphQLRoute): RouteQuery {
  const servers = new Map<Trestle, Promise<TrestleServer>>();
  afterAll(async () => {
    for (const server of servers.values()) await (await server).close();
  });
  const [via, method] = route.split(" ") as ["fetch" | "handle", "POST" | "GET"];
  return async (trestle, document, variables = {}, headers = {}) => {
    let origin = "http://trestle.test";
    if (via === "handle") {
      if (!servers.has(trestle)) servers.set(trestle, serveTrestle(trestle));
      origin = (await servers.get(trestle)!).url;
    }
    const accept = { accept: "application/graphql-response+json, application/json" };
    const get = method === "GET" && !/^\s*mutation\b/.test(document);
    const request = get
      ? new Request(`${origin}/graphql?${new URLSearchParams({ query: document, variables: JSON.stringify(variables) })}`, {
          headers: { ...accept, ...headers },
        })
      : new Request(`${origin}/graphql`, {
          method: "POST",
          headers: { "content-type": "application/json", ...accept, ...headers },
          body: JSON.stringify({ query: document, variables }),
        });
    const response = via === "fetch" ? await trestle.fetch(request) : await fetch(request);
    const body = (await response.json()) as Omit<GraphQLResult, "status">;
    return { status: response.status, ...body };
  };
}
