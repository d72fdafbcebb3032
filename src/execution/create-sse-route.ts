import { getOperationAST, subscribe, type ExecutionResult, type GraphQLError, type GraphQLSchema } from "graphql";
import type { Answer } from "../http/answer.js";
import type { Exchange } from "../http/exchange.js";
import type { Route } from "../http/route-table.js";
import type { CostCheck } from "../limits/create-cost-check.js";
import type { DocumentPreparer } from "./create-document-preparer.js";
import type { Lane, LaneContextFactory } from "./create-graphql-route.js";
import { pickMediaType, type ResultStep } from "./create-result-step.js";
import { createSseBody, sseComplete, sseHeaders, sseNext, ssePing } from "./create-sse-body.js";
import { readOperationParams, readTargetParams, type OperationParams } from "./read-graphql-params.js";

export interface SseRouteOptions {
  schema: GraphQLSchema;
  graphqlPath: string;
  maxRequestBytes: number;
  /** Parse (token limit) and validation (graphql-js's rules and Trestle's limits), from the shared cache. */
  prepare: DocumentPreparer;
  /** COST_LIMIT with the request's variables, before the subscription starts. */
  checkCost?: CostCheck | undefined;
  maskError: (error: unknown, message: string) => GraphQLError;
  /** Trestle's result step: each payload's JSON, and the answer to a subscription refused before its first event. */
  answer: ResultStep;
  /** Runs a POST that is no subscription (a query asked for as JSON and SSE). */
  lane: Lane;
  createContext: LaneContextFactory;
  /** GET subscriptions need the x-trestle-csrf header: without it they go to `fallback`, which refuses them (403). */
  csrfPrevention: boolean;
  /** The route that answers what this one declines (yoga's), as it answered before this route existed. */
  fallback: Route;
}

const eventStream = /text\/event-stream/i;
const jsonType = /^application\/(?:graphql\+)?json\s*(?:;\s*charset=utf-8\s*)?$/i;
const tooLarge = JSON.stringify({ errors: [{ message: "Request body too large", extensions: { code: "REQUEST_ENTITY_TOO_LARGE" } }] });

/**
 * GraphQL over SSE (graphql-sse's distinct-connections mode) for subscriptions, without the
 * WHATWG round trip and plugin chain of yoga's route: a GET or JSON POST to the GraphQL path
 * asking for `text/event-stream` is parsed and validated (limits included) from the shared
 * cache, its cost checked, and graphql-js's `subscribe` run; its results are written as SSE
 * straight to the transport (create-sse-body.ts), the upstream call opened while the head goes
 * out. Everything else such a request can be goes where it went before: a query or mutation
 * POSTed as JSON to the fast lane, and to `fallback` (yoga) an invalid document, a cost over
 * the limit, a GET without x-trestle-csrf, unreadable parameters, other queries; so their
 * answers do not change. A subscription that cannot start (SUBSCRIPTION_LIMIT, variables,
 * arguments) is answered as yoga's route answered it: JSON when the client accepts a JSON
 * type, else one `next` with the errors and `complete`, with the result step's status.
 */
export function createSseRoute(options: SseRouteOptions): Route {
  const { schema, graphqlPath, prepare, checkCost, maskError, answer, lane, createContext, fallback } = options;
  const mask = (result: ExecutionResult): ExecutionResult =>
    result.errors === undefined ? result : { ...result, errors: result.errors.map((error) => maskError(error, "Unexpected error.")) };

  /** The subscription's answer, or undefined when it is not one this route starts. */
  const start = async (exchange: Exchange, params: OperationParams): Promise<Answer | undefined> => {
    const prepared = prepare(params.query);
    if (prepared.errors.length > 0) return undefined;
    const document = prepared.document!;
    const operation = getOperationAST(document, params.operationName);
    if (operation?.operation !== "subscription" || checkCost?.(document, operation, params.variables) !== undefined) return undefined;
    const accept = exchange.headers.get("accept") ?? "";
    let result: Awaited<ReturnType<typeof subscribe>>;
    try {
      result = await subscribe({
        schema,
        document,
        contextValue: await createContext(exchange),
        variableValues: params.variables,
        operationName: params.operationName,
      });
    } catch (error) {
      return refusal(accept, { errors: [maskError(error, "Unexpected error.")] });
    }
    if (!(Symbol.asyncIterator in result)) return refusal(accept, mask(result));
    const body = createSseBody(result, (payload) => answer("application/json", mask(payload)).body);
    return { status: 200, headers: sseHeaders(), body };
  };

  /** A subscription refused before its first event, answered as yoga's route (with Trestle's result step) answered it. */
  const refusal = (accept: string, result: ExecutionResult): Answer => {
    const mediaType = pickMediaType(accept);
    if (mediaType !== undefined) return answer(mediaType, result);
    const { status, body } = answer(streamRule(accept), result);
    return { status, headers: sseHeaders(), body: ssePing + sseNext(body) + sseComplete };
  };

  return {
    matches: (exchange) =>
      exchange.pathname === graphqlPath &&
      eventStream.test(exchange.headers.get("accept") ?? "") &&
      (exchange.method === "GET" || (exchange.method === "POST" && jsonType.test(exchange.headers.get("content-type") ?? ""))),
    name: () => "graphql",
    answersPreflight: () => true,
    async serve(exchange) {
      if (exchange.method === "GET") {
        if (options.csrfPrevention && exchange.headers.get("x-trestle-csrf") === null) return fallback.serve(exchange);
        const params = readOperationParams(readTargetParams(exchange.target));
        return (params !== undefined && (await start(exchange, params))) || fallback.serve(exchange);
      }
      const body = await readBody(exchange, options.maxRequestBytes);
      if (body === tooLargeBody) return { status: 413, headers: { "content-type": "application/json; charset=utf-8" }, body: tooLarge };
      if (body === undefined) return fallback.serve(exchange);
      const params = readOperationParams(body);
      // An empty document is yoga's to word ("Must provide query string").
      const started = params === undefined || params.query === "" ? undefined : await start(exchange, params);
      if (started !== undefined) return started;
      return (
        (await lane({ body, accept: exchange.headers.get("accept"), createContext: () => createContext(exchange), log: exchange.log })) ??
        fallback.serve(exchange)
      );
    },
  };
}

const tooLargeBody = Symbol("too large");

/** A JSON POST's body as the fast route reads it (a host's parsed body used as it is); undefined when it is not JSON. */
async function readBody(exchange: Exchange, max: number): Promise<unknown> {
  if (exchange.bodySpent) {
    const parsed = exchange.parsedBody;
    return typeof parsed === "string" || Buffer.isBuffer(parsed) ? parseJson(parsed.toString()) : parsed;
  }
  const length = exchange.headers.get("content-length");
  if (length !== null && !/^\d+$/.test(length)) return undefined;
  const bytes = await exchange.readBody(max);
  if (bytes === undefined) return tooLargeBody;
  const text = bytes.toString("utf8");
  return parseJson(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The JSON type whose status rules a refusal over SSE follows (use-result-step.ts): SSE's events are JSON. */
function streamRule(accept: string): string {
  const sse = accept.indexOf("text/event-stream");
  const multipart = accept.indexOf("multipart/mixed");
  return sse >= 0 && (multipart < 0 || sse < multipart) ? "application/json" : "application/graphql-response+json";
}
