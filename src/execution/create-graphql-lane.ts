import {
  execute,
  getOperationAST,
  GraphQLError,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLSchema,
  type ValidationRule,
} from "graphql";
import { compileQuery, isCompiledQuery, type CompiledQuery } from "graphql-jit";
import { compilesCheaply } from "./compiles-cheaply.js";
import type { TrestleResolverContext } from "../connector/create-resolvers.js";
import type { CostCheck } from "../limits/create-cost-check.js";
import { debugExtensions } from "./debug-extensions.js";
import type { PreparedDocument, PreparedDocuments } from "./prepared-document.js";
import { pickMediaType, type ResultAnswer, type ResultStep } from "./create-result-step.js";
import { createDocumentPreparer } from "./create-document-preparer.js";
import { readOperationParams } from "./read-graphql-params.js";
import { traceOperation } from "../tracing/trace-operation.js";
import type { ExecutedOutcome, OperationResults } from "./create-operation-results.js";
import { answerFromResults } from "./answer-from-results.js";
import type { OperationFlights } from "./create-operation-flights.js";
import type { RequestLog } from "../logging/request-log.js";

export interface GraphQLLaneOptions {
  schema: GraphQLSchema;
  /** Added to graphql-js's specified rules: the same list yoga's lane validates with. */
  rules: readonly ValidationRule[];
  /** COST_LIMIT with the request's variables, before the operation's context is made. */
  checkCost?: CostCheck;
  maxTokens: number;
  showSuggestions: boolean;
  debug: boolean;
  maskError: (error: unknown, message: string) => GraphQLError;
  /** The cache of prepared documents, shared with yoga's route. */
  documents: PreparedDocuments;
  /** Trestle's result step (create-result-step.ts), shared with yoga's route. */
  answer: ResultStep;
  /** The result cache (src/execution/create-operation-results.ts), when on; `runsContext`: the app's `context` function still runs on a hit. */
  results?: { store: OperationResults; runsContext: boolean } | undefined;
  /** Whole-operation `dedupe` (create-operation-flights.ts), when a read of the schema says `dedupe`; `runsContext` as for `results`. */
  flights?: { store: OperationFlights; runsContext: boolean } | undefined;
}

/** A GraphQL POST whose JSON body has been read and parsed, or an operation prepared at startup. */
export interface LaneRequest {
  body: unknown;
  accept: string | null | undefined;
  createContext(): Promise<TrestleResolverContext>;
  /** "GET": only a query runs here (anything else goes to yoga, which refuses it with 405). */
  method?: "GET" | "POST";
  /** The client's request headers, for the result cache (none: it is not used). */
  headers?: { get(name: string): string | null };
  /** Run this operation instead of the body's (src/operations/): prepared once, never parsed or looked up again. */
  operation?: PinnedOperation;
  /** The request's log record (the exchange's), when a logger is set: the lane names the operation in it, and a result-cache hit or a joined flight. */
  log: RequestLog | undefined;
}

/** An operation validated at startup, its document kept by its owner (not in the shared cache), and a request's variables. */
export interface PinnedOperation {
  prepared: PreparedDocument;
  operationName: string;
  variables: Record<string, unknown> | undefined;
}

/**
 * The fast lane: a GraphQL POST with a JSON body, for a JSON answer, runs here without the
 * WHATWG Request/Response round trip and plugin chain of the general server. Each distinct
 * document is parsed (token limit) and validated (graphql-js's rules and Trestle's limits,
 * the same list as yoga's lane) once; after that a request costs the execution itself.
 * Anything else — GET, other media types, subscriptions, documents whose operation cannot be
 * picked, malformed bodies — returns undefined and goes to yoga, which answers it per the
 * GraphQL-over-HTTP spec. Both routes mask errors and add debug extensions with the same
 * functions, and answer through the same result step (Cache-Control included) (create-result-step.ts).
 */
export function createGraphQLLane(options: GraphQLLaneOptions): (request: LaneRequest) => Promise<ResultAnswer | undefined> {
  const answer = options.answer;
  // Documents a client sends are kept by estimated bytes, in the cache yoga's route shares:
  // endless new ones only churn it. The text is parsed (unless another route did) and validated, once.
  const prepare = createDocumentPreparer(options);

  /** graphql-jit turns each operation into a function once; the plan then runs without interpretation. */
  const compiled = (
    query: string,
    prepared: PreparedDocument,
    document: DocumentNode,
    operationName: string | undefined,
    shared: boolean,
  ): CompiledQuery => {
    prepared.compiled ??= new Map();
    let operation = prepared.compiled.get(operationName ?? "");
    if (operation === undefined) {
      const definition = getOperationAST(document, operationName);
      if (definition != null && !compilesCheaply(options.schema, definition)) {
        // Variables of recursive or very wide input types: graphql-js runs it (see compilesCheaply).
        operation = {
          query: (root, contextValue, variableValues) =>
            execute({ schema: options.schema, document, rootValue: root, contextValue, variableValues, operationName }),
          stringify: JSON.stringify,
        };
        runByGraphqlJs.add(operation);
      } else {
        const result = compileQuery(options.schema, document, operationName);
        operation = isCompiledQuery(result) ? result : { query: () => result, stringify: JSON.stringify };
      }
      prepared.compiled.set(operationName ?? "", operation);
      if (shared) options.documents.save(query, prepared);
    }
    return operation;
  };

  return async (request) => {
    const mediaType = pickMediaType(request.accept);
    const pinned = request.operation;
    const params =
      pinned === undefined
        ? readOperationParams(request.body)
        : { query: "", variables: pinned.variables, operationName: pinned.operationName };
    if (mediaType === undefined || params === undefined) return undefined;
    const prepared = pinned?.prepared ?? prepare(params.query);
    if (prepared.errors!.length > 0) return answer(mediaType, { errors: prepared.errors! });
    const document = prepared.document!;
    const operation = getOperationAST(document, params.operationName);
    if (!operation || operation.operation === "subscription") return undefined;
    if (request.method === "GET" && operation.operation !== "query") return undefined;
    const log = request.log;
    if (log !== undefined) log.operation = operation.name?.value;
    const costError = options.checkCost?.(document, operation, params.variables);
    if (costError !== undefined) return answer(mediaType, { errors: [costError] });
    const ticket =
      request.headers &&
      options.results?.store.open(prepared, params.operationName, params.variables, operation.operation, request.headers);
    if (ticket?.hit !== undefined) {
      if (options.results!.runsContext) {
        try {
          await request.createContext();
        } catch (error) {
          return answer(mediaType, { errors: [options.maskError(error, "Unexpected error.")] });
        }
      }
      if (log !== undefined) log.operationCache = "hit";
      return answerFromResults(mediaType, ticket.hit, options.debug);
    }

    // An identical query executing now answers this one too (whole-operation `dedupe`); a joiner executes only if it is not shared.
    const flight =
      request.headers &&
      options.flights?.store.open(prepared, params.operationName, params.variables, operation.operation, request.headers);
    let context: TrestleResolverContext | undefined;
    if (flight?.join !== undefined) {
      try {
        if (options.flights!.runsContext) context = await request.createContext();
      } catch (error) {
        return answer(mediaType, { errors: [options.maskError(error, "Unexpected error.")] });
      }
      const shared = await flight.join();
      if (shared !== undefined) {
        if (log !== undefined) log.operationCache = "coalesced";
        return answerFromResults(mediaType, shared, false);
      }
    }
    try {
      try {
        context ??= await request.createContext();
      } catch (error) {
        return answer(mediaType, { errors: [options.maskError(error, "Unexpected error.")] });
      }
      const run = compiled(params.query, prepared, document, params.operationName, pinned === undefined);
      // An operation span when an OpenTelemetry SDK is registered (src/tracing/).
      let result = await traceOperation(operation, document, context.trestle, () => run.query(undefined, context, params.variables));
      if (result.data === undefined && !runByGraphqlJs.has(run)) {
        // A request error (variables that cannot be coerced): graphql-js words it as yoga's lane does.
        result = await execute({
          schema: options.schema,
          document,
          contextValue: context,
          variableValues: params.variables,
          operationName: params.operationName,
        });
      }
      const errors = result.errors?.map((error) => options.maskError(error, "Unexpected error."));
      const output: ExecutionResult = {};
      if (errors !== undefined) output.errors = errors;
      // No `data` at all when variables could not be coerced: a request error, like a validation error.
      if (result.data !== undefined) output.data = result.data;
      const calls = context.trestle.calls;
      if (options.debug) output.extensions = debugExtensions(calls);
      // Variables that cannot be coerced leave no `data`: the result step makes it BAD_USER_INPUT, 400.
      const reply = answer(mediaType, output, { operation: operation.operation, calls });
      const executed: ExecutedOutcome = {
        status: reply.status,
        body: () => (options.debug ? answer(mediaType, { data: output.data ?? null }).body : reply.body),
        hasErrors: errors !== undefined && errors.length > 0,
        hasData: output.data != null,
        calls,
        cacheControl: reply.headers["cache-control"],
        vary: reply.headers["vary"],
      };
      ticket?.store(executed);
      flight?.end(executed);
      return reply;
    } finally {
      flight?.end();
    }
  };
}

/** Operations the fast route runs on graphql-js's executor (see compilesCheaply): their request errors are already worded by it. */
const runByGraphqlJs = new WeakSet<CompiledQuery>();

export { asValidationError } from "./create-document-preparer.js";
