import type { TrestleResolverContext } from "../connector/create-resolvers.js";
import type { Exchange } from "../http/exchange.js";
import type { Route } from "../http/route-table.js";
import type { LaneRequest } from "./create-graphql-lane.js";
import type { ResultAnswer } from "./create-result-step.js";
import { readGetParams } from "./read-get-params.js";

export type Lane = (request: LaneRequest) => Promise<ResultAnswer | undefined>;

/** Builds an operation's context for an exchange (its headers, client-gone signal, lazy WHATWG Request). */
export type LaneContextFactory = (exchange: Exchange) => Promise<TrestleResolverContext>;

export interface GraphQLRouteOptions {
  lane: Lane;
  graphqlPath: string;
  maxRequestBytes: number;
  createContext: LaneContextFactory;
  /** The route that answers what the fast route declines (yoga's): it reads the body already read through `toRequest()`. */
  fallback: Route;
}

const jsonType = /^application\/(?:graphql\+)?json\s*(?:;\s*charset=utf-8\s*)?$/i;
const tooLarge = JSON.stringify({ errors: [{ message: "Request body too large", extensions: { code: "REQUEST_ENTITY_TOO_LARGE" } }] });

/**
 * The fast GraphQL route: JSON POSTs to the GraphQL path, read whole (capped at
 * `maxRequestBytes`, 413 past it) and run by the lane without a WHATWG round trip, and
 * queries over GET (read-get-params.ts). A body a
 * host framework parsed is used as it is. What the lane declines (a body that is not JSON,
 * parameters it does not take, a media type it does not serve) goes to `fallback`.
 */
export function createGraphQLRoute(options: GraphQLRouteOptions): Route {
  const { lane, graphqlPath, maxRequestBytes, createContext, fallback } = options;
  return {
    matches: (exchange) =>
      exchange.pathname === graphqlPath &&
      (exchange.method === "GET" || (exchange.method === "POST" && jsonType.test(exchange.headers.get("content-type") ?? ""))),
    name: () => "graphql",
    answersPreflight: () => true,
    async serve(exchange) {
      if (exchange.method === "GET") {
        // Queries over GET (results cacheable in front and in the result cache); the rest is yoga's (GraphiQL, 405, 400).
        const params = readGetParams(exchange);
        // A literal of one shape (a spread made each request a new hidden class: slow to make and to read in the lane).
        const answer =
          params &&
          (await lane({
            method: params.method,
            body: params.body,
            accept: params.accept,
            headers: params.headers,
            createContext: () => createContext(exchange),
            log: exchange.log,
          }));
        return answer ?? fallback.serve(exchange);
      }
      let body: unknown;
      if (exchange.bodySpent) {
        const parsed = exchange.parsedBody;
        if (parsed === undefined) return fallback.serve(exchange);
        body = typeof parsed === "string" || Buffer.isBuffer(parsed) ? parseJson(parsed.toString()) : parsed;
      } else {
        const length = exchange.headers.get("content-length");
        if (length !== null && !/^\d+$/.test(length)) return fallback.serve(exchange);
        const bytes = await exchange.readBody(maxRequestBytes);
        // Refused unread (or half read): the client gets its 413 before the connection closes.
        if (bytes === undefined) return { status: 413, headers: { "content-type": "application/json; charset=utf-8" }, body: tooLarge };
        body = parseJson(decodeText(bytes));
      }
      if (body === undefined) return fallback.serve(exchange);
      const answer = await lane({
        body,
        accept: exchange.headers.get("accept"),
        headers: exchange.headers,
        createContext: () => createContext(exchange),
        log: exchange.log,
      });
      return answer === undefined ? fallback.serve(exchange) : answer;
    },
  };
}

/** As Body#text() decodes: UTF-8, a leading BOM dropped. */
function decodeText(bytes: Buffer): string {
  const text = bytes.toString("utf8");
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
