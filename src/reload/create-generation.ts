import type { Context } from "@opentelemetry/api";
import { addResolversToSchema } from "@graphql-tools/schema";
import type { GraphQLSchema } from "graphql";
import { createYoga, type Plugin, type YogaServerInstance } from "graphql-yoga";
import type { NormalizedCacheOptions } from "../cache/cache-options.js";
import type { HostContext, TrestleOptions } from "../config/trestle-options.js";
import type { NormalizedLimits } from "../config/limits-options.js";
import { normalizeUploads } from "../config/upload-options.js";
import { createResolvers, type TrestleResolverContext } from "../connector/create-resolvers.js";
import type { CursorKeys } from "../connector/page-cursor.js";
import type { PollLoops } from "../connector/poll-loops.js";
import type { SubscriptionStreams } from "../connector/subscription-streams.js";
import { SchemaError, type Diagnostic } from "../errors.js";
import { createGraphQLLane } from "../execution/create-graphql-lane.js";
import { createGraphQLRoute } from "../execution/create-graphql-route.js";
import { createResultStep } from "../execution/create-result-step.js";
import { createUploadRoute } from "../execution/create-upload-route.js";
import { createYogaDocumentCache } from "../execution/create-yoga-document-cache.js";
import { createPreparedDocuments } from "../execution/prepared-document.js";
import { answerFromResponse } from "../http/answer.js";
import type { CorsPolicy } from "../http/cors-policy.js";
import type { Exchange } from "../http/exchange.js";
import { nativeFetchAPI } from "../http/native-fetch-api.js";
import type { Route } from "../http/route-table.js";
import { createCostCheck } from "../limits/create-cost-check.js";
import { createLimitRules } from "../limits/create-limit-rules.js";
import { createOperationContext, type SendStreamed } from "../loader/operation-context.js";
import { createOperationRoutes } from "../operations/create-operation-routes.js";
import type { ForwardingPolicy } from "../passthrough/create-forwarding-policy.js";
import { createPassthroughHandler } from "../passthrough/create-passthrough-handler.js";
import type { UpstreamPipeline } from "../pipeline/upstream-pipeline.js";
import type { SchemaPlan } from "../plan/schema-plan.js";
import { createMaskError } from "../plugins/mask-error.js";
import { useCsrfPrevention } from "../plugins/use-csrf-prevention.js";
import { useDebugExtensions } from "../plugins/use-debug-extensions.js";
import { useLimits } from "../plugins/use-limits.js";
import { useOfflineGraphiQL } from "../plugins/use-offline-graphiql.js";
import { useRequestParams } from "../plugins/use-request-params.js";
import { useResultStep } from "../plugins/use-result-step.js";
import type { Env } from "../template/interpolate-env.js";
import type { ClientSignal } from "../upstream/client-signal.js";
import { sendStreamed } from "../uploads/send-streamed.js";
import { createSseRoute } from "../execution/create-sse-route.js";
import { createDocumentPreparer } from "../execution/create-document-preparer.js";
import { useTracing } from "../plugins/use-tracing.js";
import type { RequestLog } from "../logging/request-log.js";
import type { RequestLogging } from "../logging/create-request-logging.js";
import type { SpillRoom } from "../uploads/spill-room.js";
import type { MetricsRecorder } from "../metrics/create-metrics.js";
import { createLaneResults } from "../execution/create-lane-results.js";
import { createLaneFlights } from "../execution/create-lane-flights.js";
import { countedEnvelop, countedStreams, createActivity } from "./generation-activity.js";

type TrestleYoga = YogaServerInstance<
  { host?: HostContext; log?: RequestLog | undefined; trace?: Context | undefined },
  TrestleResolverContext
>;

/** What outlives a reload: one of each per instance, handed to every generation. */
export interface InstanceParts {
  readonly options: TrestleOptions;
  readonly prefix: string;
  readonly env: Env;
  readonly pipeline: UpstreamPipeline;
  readonly streams: SubscriptionStreams;
  readonly polls: PollLoops;
  readonly limits: NormalizedLimits;
  readonly cors: CorsPolicy;
  readonly cacheOptions: NormalizedCacheOptions;
  readonly forwarding: ForwardingPolicy;
  readonly cursorKeys: CursorKeys;
  /** `/healthz`, `/readyz`, `/metrics`: the first route of every generation. */
  readonly health: Route;
  /** One JSON line per request (docs/logging.md): yoga's logger and the plugin naming the operation. */
  readonly logging: Pick<RequestLogging, "yoga" | "plugins">;
  /** The instance's room on disk for upload parts waiting their turn (`uploads.maxSpillBytes`). */
  readonly spillRoom: SpillRoom;
  readonly metrics: MetricsRecorder | undefined;
}

/**
 * Everything built from one schema (trestle.reload() builds the next): the client schema, its
 * resolvers, yoga, the lane and its prepared documents, the limit rules, the routes. The route
 * table reads the current generation when a request arrives; the request finishes on it.
 */
export interface Generation {
  readonly schema: GraphQLSchema;
  readonly plan: SchemaPlan;
  /** Health first, then passthrough, GraphQL, uploads, operations, yoga: the route table's list. */
  readonly routes: readonly Route[];
  readonly yoga: TrestleYoga;
  /**
   * For GraphQL over WebSocket: yoga's envelop, each execution counted as activity (a
   * subscription is counted by its reservation). Each `subscribe` message runs on the
   * generation current when it arrives.
   */
  readonly envelop: Pick<TrestleYoga, "getEnveloped">;
  /** Whether a passthrough or operation route owns this path (`trestle.owns`). */
  claims(pathname: string): boolean;
  /** Resolves once no request and no subscription runs on this generation (after it was replaced). */
  idle(): Promise<void>;
  dispose(): Promise<void>;
}

/** Builds a generation; an operations folder with errors gives its diagnostics instead (nothing left open). */
export async function createGeneration(
  plan: SchemaPlan,
  parts: InstanceParts,
  /** A reload: the start's warnings are not repeated. */
  reloaded = false,
): Promise<{ generation: Generation } | { diagnostics: readonly Diagnostic[] }> {
  const { options, prefix, env, pipeline, polls, limits, cors, cacheOptions, cursorKeys } = parts;
  const activity = createActivity();
  const streams = countedStreams(parts.streams, activity);
  const schema = addResolversToSchema({ schema: plan.schema, resolvers: createResolvers(plan, plan.schema, cursorKeys) });
  const debug = options.debug ?? false;
  const contextFor = options.context;
  // Passthrough runs beside yoga, not as a plugin: it must see the raw request target (yoga's
  // URL parsing resolves "..") and stream Node bodies without WHATWG conversion.
  const passthrough = createPassthroughHandler({
    prefix,
    upstreams: plan.upstreams.values(),
    stream: pipeline.stream,
    env,
    context: contextFor,
    debug,
    forwarding: parts.forwarding,
  });

  /**
   * One operation's context, the same in both routes; `request()` is only called when the app's
   * context function needs it. `signal` aborts when the client goes away.
   */
  const sendStreamedBody: SendStreamed = (request, body, signal) => sendStreamed(pipeline, request, body, signal);
  const createContext = async (
    headers: { get(name: string): string | null },
    request: () => Request,
    host: HostContext,
    signal: ClientSignal | undefined,
    log?: RequestLog,
    trace?: Context,
  ): Promise<TrestleResolverContext> => ({
    trestle: createOperationContext(
      { headers, env, signal, values: contextFor ? await contextFor(request(), host) : {}, log, trace },
      pipeline.send,
      limits,
      sendStreamedBody,
    ),
    streams,
    polls,
  });
  const exchangeContext = (exchange: Exchange) =>
    createContext(exchange.headers, () => exchange.toRequest(), exchange.hostContext, exchange.signal, exchange.log, exchange.trace);
  const production = env["NODE_ENV"] === "production";
  const development = debug || env["NODE_ENV"] === "development";
  const validationRules = createLimitRules(limits, plan.restFields, options.introspection ?? !production);
  const checkCost = createCostCheck(schema, plan.restFields, limits);
  // One cache of prepared documents, bounded by bytes, for both GraphQL routes.
  const documents = createPreparedDocuments();
  const yogaDocuments = createYogaDocumentCache(documents);
  // One result step (status rules, request-error codes, serialisation) for both GraphQL routes.
  const resultStep = createResultStep({ showSuggestions: development, cacheControl: cacheOptions.enabled });
  const plugins: Plugin[] = [
    useRequestParams(),
    useLimits(validationRules, limits.maxTokens, development, checkCost),
    yogaDocuments.plugin,
    useResultStep(resultStep),
    useOfflineGraphiQL(`${prefix}/graphql`, { waterfall: debug }),
    useTracing(),
    ...parts.logging.plugins,
  ];
  if (options.csrfPrevention ?? true) plugins.push(useCsrfPrevention(`${prefix}/graphql`));
  if (debug) plugins.push(useDebugExtensions());

  const yoga = createYoga<{ host?: HostContext; log?: RequestLog | undefined; trace?: Context | undefined }, TrestleResolverContext>({
    schema,
    fetchAPI: nativeFetchAPI,
    graphqlEndpoint: `${prefix}/graphql`,
    cors: false,
    graphiql: options.graphiql ?? !production,
    landingPage: false,
    maxRequestBodySize: limits.maxRequestBytes,
    parserAndValidationCache: yogaDocuments.options,
    logging: parts.logging.yoga,
    maskedErrors: { maskError: createMaskError(debug) },
    plugins,
    context: ({ request, host, log, trace }) => createContext(request.headers, () => request, host ?? {}, request.signal, log, trace),
  });
  if (!reloaded && cursorKeys.generated && plan.restFields.some((rest) => rest.paginate !== undefined))
    yoga.logger.warn(
      "trestle: no cursorSecret (TRESTLE_CURSOR_SECRET): page cursors are sealed with a per-process key, so they stop working after a restart and on other replicas",
    );
  // The result cache (docs/result-cache.md): one per generation, as its documents are; dropped with it.
  const results = createLaneResults(cacheOptions, pipeline, options.context !== undefined, parts.metrics);
  const flights = createLaneFlights(plan, pipeline, debug, options.context !== undefined, parts.metrics);
  const lane = createGraphQLLane({
    results,
    flights,
    schema,
    rules: validationRules,
    checkCost,
    maxTokens: limits.maxTokens,
    showSuggestions: development,
    debug,
    maskError: createMaskError(debug),
    answer: resultStep,
    documents,
  });
  const graphqlPath = `${prefix}/graphql`;
  // Named operations as REST endpoints and MCP tools (src/operations/), run by the same lane.
  let operationRoutes: Awaited<ReturnType<typeof createOperationRoutes>> | undefined;
  try {
    operationRoutes =
      options.operations === undefined
        ? undefined
        : await createOperationRoutes({
            operations: options.operations,
            cwd: options.cwd,
            prefix,
            schema,
            rules: validationRules,
            lane,
            createContext: exchangeContext,
            maxRequestBytes: limits.maxRequestBytes,
            csrfPrevention: options.csrfPrevention ?? true,
            cors,
          });
  } catch (error) {
    results?.store.close();
    flights?.store.close();
    await yoga.dispose();
    if (error instanceof SchemaError) return { diagnostics: error.diagnostics };
    throw error;
  }

  const yogaRoute: Route = {
    // Yoga fallback: GraphQL over GET, other media types, GraphiQL; on node:http with a
    // `next`, only the GraphQL path (the rest is the host app's). The only route that needs a
    // WHATWG Request: on node:http it is made here.
    matches: (exchange) => exchange.standalone || exchange.pathname === graphqlPath,
    name: (pathname) => (pathname === graphqlPath ? "graphql" : "other"),
    answersPreflight: (pathname) => pathname === graphqlPath,
    serve: async (exchange) =>
      answerFromResponse(await yoga.fetch(exchange.toRequest(), { host: exchange.hostContext, log: exchange.log, trace: exchange.trace })),
  };
  const routes: Route[] = [
    passthrough,
    // GraphQL over SSE for subscriptions, without the WHATWG round trip; what it declines goes to the lane or yoga.
    createSseRoute({
      schema,
      graphqlPath,
      maxRequestBytes: limits.maxRequestBytes,
      prepare: createDocumentPreparer({
        schema,
        rules: validationRules,
        maxTokens: limits.maxTokens,
        showSuggestions: development,
        documents,
      }),
      checkCost,
      maskError: createMaskError(debug),
      answer: resultStep,
      lane,
      createContext: exchangeContext,
      csrfPrevention: options.csrfPrevention ?? true,
      fallback: yogaRoute,
    }),
    // The fast GraphQL route: JSON POSTs, without the WHATWG round trip; what it declines goes to yoga.
    createGraphQLRoute({ lane, graphqlPath, maxRequestBytes: limits.maxRequestBytes, createContext: exchangeContext, fallback: yogaRoute }),
    // GraphQL multipart requests (file uploads), streamed: before yoga, which would hold each file in memory.
    createUploadRoute({
      lane,
      schema,
      maxTokens: limits.maxTokens,
      graphqlPath,
      limits: { ...normalizeUploads(options.uploads), maxPartBytes: limits.maxRequestBytes, room: parts.spillRoom },
      createContext: (exchange, signal) =>
        createContext(exchange.headers, () => exchange.toRequest(), exchange.hostContext, signal, exchange.log, exchange.trace),
      csrfPrevention: options.csrfPrevention ?? true,
    }),
    ...(operationRoutes?.routes ?? []),
    yogaRoute,
  ];

  let disposed: Promise<void> | undefined;
  return {
    generation: {
      schema,
      plan,
      routes: [parts.health, ...routes.map((route) => activity.counted(route))],
      yoga,
      envelop: { getEnveloped: countedEnvelop(yoga.getEnveloped, activity) },
      claims: (pathname) => passthrough.claims(pathname, false) || operationRoutes?.claims(pathname) === true,
      idle: activity.idle,
      dispose: () => (disposed ??= (results?.store.close(), flights?.store.close(), Promise.resolve(yoga.dispose()))),
    },
  };
}
