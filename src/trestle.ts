import type { Server as HttpServer, ServerResponse } from "node:http";
import type { Server as HttpsServer } from "node:https";
import { addResolversToSchema } from "@graphql-tools/schema";
import type { GraphQLSchema } from "graphql";
import { createYoga, type Plugin } from "graphql-yoga";
import { normalizeCacheOptions } from "./cache/cache-options.js";
import type { TrestleCache } from "./cache/create-cached-send.js";
import { nativeFetchAPI } from "./http/native-fetch-api.js";
import type { NodeRequest } from "./http/node-request.js";
import { readTransportOptions } from "./config/read-transport-options.js";
import type { HostContext, TrestleOptions } from "./config/trestle-options.js";
import { createResolvers, type TrestleResolverContext } from "./connector/create-resolvers.js";
import { createCursorKeys } from "./connector/page-cursor.js";
import { createSubscriptionStreams } from "./connector/subscription-streams.js";
import { createPollLoops } from "./connector/poll-loops.js";
import { SchemaError, TrestleError } from "./errors.js";
import { createOperationContext, type SendStreamed } from "./loader/operation-context.js";
import { createForwardingPolicy } from "./passthrough/create-forwarding-policy.js";
import { createPassthroughHandler } from "./passthrough/create-passthrough-handler.js";
import { normalizeLimits } from "./config/normalize-limits.js";
import { createMaskError } from "./plugins/mask-error.js";
import { useCsrfPrevention } from "./plugins/use-csrf-prevention.js";
import { useLimits } from "./plugins/use-limits.js";
import { useRequestParams } from "./plugins/use-request-params.js";
import { createLimitRules } from "./limits/create-limit-rules.js";
import { createCostCheck } from "./limits/create-cost-check.js";
import { createGraphQLLane } from "./execution/create-graphql-lane.js";
import { createYogaDocumentCache } from "./execution/create-yoga-document-cache.js";
import { createPreparedDocuments } from "./execution/prepared-document.js";
import { createGraphQLRoute } from "./execution/create-graphql-route.js";
import { createResultStep } from "./execution/create-result-step.js";
import { useResultStep } from "./plugins/use-result-step.js";
import { useDebugExtensions } from "./plugins/use-debug-extensions.js";
import { useOfflineGraphiQL } from "./plugins/use-offline-graphiql.js";
import { createHealthRoute } from "./http/health-route.js";
import { createRouteTable, type Route } from "./http/route-table.js";
import { answerFromResponse } from "./http/answer.js";
import type { Exchange } from "./http/exchange.js";
import { buildSchemaPlan } from "./sdl/build-schema-plan.js";
import { loadSchemaSources } from "./sdl/load-schema-sources.js";
import { createUpstreamPipeline } from "./pipeline/upstream-pipeline.js";
import type { ClientSignal } from "./upstream/client-signal.js";
import { createMetrics } from "./metrics/create-metrics.js";
import { createCorsPolicy } from "./http/cors-policy.js";
import { createUploadRoute } from "./execution/create-upload-route.js";
import { normalizeUploads } from "./config/upload-options.js";
import { sendStreamed } from "./uploads/send-streamed.js";
import { createOperationRoutes } from "./operations/create-operation-routes.js";
import { createWsTransport } from "./ws/create-ws-transport.js";
import { createLaneResults } from "./execution/create-lane-results.js";

export interface Trestle {
  /** The schema clients see (Trestle's directives removed). */
  readonly schema: GraphQLSchema;
  /** The normalized `prefix` ("" for the root): routes are `${prefix}/graphql` and so on. */
  readonly prefix: string;
  /**
   * WHATWG fetch handler: Hono, Next.js route handlers, Bun, Deno, workers. `host` reaches the
   * `context` option (adapters pass the framework's request object there).
   */
  fetch(request: Request, host?: HostContext): Promise<Response>;
  /**
   * node:http listener and Express/Connect middleware: answers the routes it owns, calls
   * `next()` for the rest (or answers 404 when there is no `next`). Routes match on
   * `req.originalUrl` when a framework set it (Express mount paths); a body a framework
   * already parsed (`req.body`, once the stream has been read) is used as the request body.
   */
  handle(req: NodeRequest, res: ServerResponse, next?: (error?: unknown) => void): Promise<void>;
  /** Whether Trestle answers this request target (`/bff/graphql?x=1`): adapters pass the rest on. */
  owns(target: string): boolean;
  /** The shared response cache: `purge(upstream, pathPrefix?)`, `size`, `calculatedSize`, `joined` (reads coalesced so far). */
  readonly cache: TrestleCache;
  /**
   * Serves GraphQL over WebSocket (`graphql-transport-ws`) on `${prefix}/graphql` of a host's
   * node:http or node:https server: handles its `upgrade` events for that path only (others stay
   * the host's). The upgrade's `Origin` must pass the CORS policy (same origin only without
   * `cors`); header rules read the upgrade's headers overridden by `connectionParams`.
   * Calling it again for the same server does nothing. See docs/subscriptions.md.
   */
  upgrade(server: HttpServer | HttpsServer): void;
  /**
   * Stops taking requests (`/readyz` answers 503), closes WebSocket connections (1001, their
   * upstream requests aborted), waits for requests in flight, closes pools.
   */
  close(): Promise<void>;
}

/** Builds a Trestle instance; throws SchemaError (with every diagnostic) when the SDL is invalid. */
export async function createTrestle(options: TrestleOptions): Promise<Trestle> {
  const prefix = normalizePrefix(options.prefix);
  const cacheOptions = normalizeCacheOptions(options.cache);
  const forwarding = createForwardingPolicy(options.passthrough);
  // One CORS policy for every route and both entries; yoga's own (reflect any origin) is off.
  const cors = createCorsPolicy(options.cors);
  const corsActive = options.cors !== undefined && options.cors !== false;
  const env = options.env ?? process.env;
  const sources = await loadSchemaSources(options.schema, options.cwd);
  const { plan, diagnostics } = buildSchemaPlan(sources, {
    env,
    upstreams: options.upstreams ?? {},
    hasContext: options.context !== undefined,
  });
  if (plan === undefined) throw new SchemaError(diagnostics.filter((d) => d.severity === "error"));

  const metrics =
    options.metrics === false
      ? undefined
      : createMetrics({
          inFlight: () => table.inFlight(),
          cacheEntries: () => pipeline.cache.size,
          cacheBytes: () => pipeline.cache.calculatedSize,
          breakers: () => pipeline.breakers(),
          subscriptions: () => streams.count,
        });
  const pipeline = createUpstreamPipeline(plan.upstreams.values(), readTransportOptions(options), cacheOptions, metrics);
  // Page cursors (docs/pagination.md): sealed with a key from the secret, or a per-process one.
  const cursorKeys = createCursorKeys(options.cursorSecret ?? env["TRESTLE_CURSOR_SECRET"]);
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
    forwarding,
  });

  let closing = false;
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
  ): Promise<TrestleResolverContext> => ({
    trestle: createOperationContext(
      { headers, env, signal, values: contextFor ? await contextFor(request(), host) : {} },
      pipeline.send,
      limits,
      sendStreamedBody,
    ),
    streams,
    polls,
  });
  const exchangeContext = (exchange: Exchange) =>
    createContext(exchange.headers, () => exchange.toRequest(), exchange.hostContext, exchange.signal);
  const production = (options.env ?? process.env)["NODE_ENV"] === "production";
  const development = debug || (options.env ?? process.env)["NODE_ENV"] === "development";
  const limits = normalizeLimits(options.limits);
  // Open subscriptions (`@rest(stream:)` fields) of both transports: budgets, and their end on close().
  const streams = createSubscriptionStreams(pipeline, limits.maxSubscriptions, limits);
  // Polling loops (`@rest(poll:)` fields), one per read; streams.close() ends their subscribers, and so them.
  const polls = createPollLoops(limits.maxPollLoops);
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
    useOfflineGraphiQL(`${prefix}/graphql`),
  ];
  if (options.csrfPrevention ?? true) plugins.push(useCsrfPrevention(`${prefix}/graphql`));
  if (debug) plugins.push(useDebugExtensions());

  const yoga = createYoga<{ host?: HostContext }, TrestleResolverContext>({
    schema,
    fetchAPI: nativeFetchAPI,
    graphqlEndpoint: `${prefix}/graphql`,
    cors: false,
    graphiql: options.graphiql ?? !production,
    landingPage: false,
    maxRequestBodySize: limits.maxRequestBytes,
    parserAndValidationCache: yogaDocuments.options,
    logging: options.logging ?? true,
    maskedErrors: { maskError: createMaskError(debug) },
    plugins,
    context: ({ request, host }) => createContext(request.headers, () => request, host ?? {}, request.signal),
  });
  if (cursorKeys.generated && plan.restFields.some((rest) => rest.paginate !== undefined))
    yoga.logger.warn(
      "trestle: no cursorSecret (TRESTLE_CURSOR_SECRET): page cursors are sealed with a per-process key, so they stop working after a restart and on other replicas",
    );
  // The result cache (docs/result-cache.md): owned by the lane it serves, dropped on close.
  const results = createLaneResults(cacheOptions, pipeline, options.context !== undefined, metrics);
  const lane = createGraphQLLane({
    results,
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
  const operationRoutes =
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
        }).catch(async (error: unknown) => {
          await Promise.all([pipeline.close(), yoga.dispose()]);
          throw error;
        });

  const health = createHealthRoute({
    prefix,
    isReady: () => !closing,
    scrape: metrics?.scrape,
    upstreamStates: () => pipeline.states(),
    cacheState: () => pipeline.cacheState(),
  });
  const yogaRoute: Route = {
    // Yoga fallback: GraphQL over GET, other media types, GraphiQL; on node:http with a
    // `next`, only the GraphQL path (the rest is the host app's). The only route that needs a
    // WHATWG Request: on node:http it is made here.
    matches: (exchange) => exchange.standalone || exchange.pathname === graphqlPath,
    name: (pathname) => (pathname === graphqlPath ? "graphql" : "other"),
    answersPreflight: (pathname) => pathname === graphqlPath,
    serve: async (exchange) => answerFromResponse(await yoga.fetch(exchange.toRequest(), { host: exchange.hostContext })),
  };
  const routes: Route[] = [
    health,
    passthrough,
    // The fast GraphQL route: JSON POSTs, without the WHATWG round trip; what it declines goes to yoga.
    createGraphQLRoute({ lane, graphqlPath, maxRequestBytes: limits.maxRequestBytes, createContext: exchangeContext, fallback: yogaRoute }),
    // GraphQL multipart requests (file uploads), streamed: before yoga, which would hold each file in memory.
    createUploadRoute({
      lane,
      schema,
      maxTokens: limits.maxTokens,
      graphqlPath,
      limits: { ...normalizeUploads(options.uploads), maxPartBytes: limits.maxRequestBytes },
      createContext: (exchange, signal) => createContext(exchange.headers, () => exchange.toRequest(), exchange.hostContext, signal),
      csrfPrevention: options.csrfPrevention ?? true,
    }),
    ...(operationRoutes?.routes ?? []),
    yogaRoute,
  ];
  const table = createRouteTable(routes, cors, corsActive, metrics);
  // GraphQL over WebSocket: the same yoga envelop (limits, document cache, context, masking), on node:http servers.
  const ws = createWsTransport({
    yoga,
    maskError: createMaskError(debug),
    showSuggestions: development,
    graphqlPath,
    cors,
    corsActive,
    maxMessageBytes: limits.maxRequestBytes,
  });

  return {
    schema,
    cache: pipeline.cache,
    prefix,
    fetch: (request, host) => table.fetch(request, host),
    upgrade: (server) => ws.attach(server),
    handle: (req, res, next) => table.handle(req, res, next),
    owns: (target) => {
      const pathname = target.split("?")[0] ?? "/";
      return (
        pathname === graphqlPath ||
        health.claims(pathname) ||
        passthrough.claims(pathname, false) ||
        operationRoutes?.claims(pathname) === true
      );
    },
    close: async () => {
      if (closing) return;
      closing = true;
      // WebSocket clients get 1001 first, then open upstream streams end.
      const sockets = ws.close();
      streams.close();
      await sockets;
      await table.drained();
      results?.store.close();
      await pipeline.close();
      await yoga.dispose();
    },
  };
}

function normalizePrefix(prefix: string | undefined): string {
  if (prefix === undefined || prefix === "" || prefix === "/") return "";
  if (!/^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/.test(prefix) || prefix.includes("//")) {
    throw new TrestleError("CONFIG_INVALID", `prefix must be a path like "/bff", received ${JSON.stringify(prefix)}`);
  }
  return prefix.replace(/\/+$/, "");
}
