import type { ServerResponse } from "node:http";
import { addResolversToSchema } from "@graphql-tools/schema";
import type { GraphQLSchema } from "graphql";
import { createYoga, type Plugin } from "graphql-yoga";
import { normalizeCacheOptions } from "./cache/cache-options.js";
import type { TrestleCache } from "./cache/create-cached-send.js";
import { nativeFetchAPI } from "./adapters/native-fetch-api.js";
import { createFetchRequest, getRequestTarget, serveNodeRequest, type NodeRequest } from "./adapters/serve-node-request.js";
import { readTransportOptions } from "./config/read-transport-options.js";
import type { HostContext, TrestleOptions } from "./config/trestle-options.js";
import { createResolvers, type TrestleResolverContext } from "./connector/create-resolvers.js";
import { SchemaError, TrestleError } from "./errors.js";
import { createOperationContext } from "./loader/operation-context.js";
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
import { isLaneRequest, serveFetchLane, serveNodeLane } from "./execution/serve-graphql-lane.js";
import { createResultStep } from "./execution/create-result-step.js";
import { useResultStep } from "./plugins/use-result-step.js";
import { useCacheControlHeader } from "./plugins/use-cache-control-header.js";
import { useDebugExtensions } from "./plugins/use-debug-extensions.js";
import { useHealthRoutes } from "./plugins/use-health-routes.js";
import { buildSchemaPlan } from "./sdl/build-schema-plan.js";
import { loadSchemaSources } from "./sdl/load-schema-sources.js";
import { createUpstreamPipeline } from "./upstream/upstream-pipeline.js";
import type { ClientSignal } from "./upstream/client-signal.js";
import { createMetrics } from "./metrics/create-metrics.js";
import { createCorsPolicy, isPreflight } from "./http/cors-policy.js";
import { applyFetchCors, applyNodeCors, preflightResponse } from "./http/apply-cors.js";

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
  /** The shared response cache: `purge(upstream, pathPrefix?)`, `size`, `calculatedSize`. */
  readonly cache: TrestleCache;
  /** Stops taking requests (`/readyz` answers 503), waits for those in flight, closes pools. */
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
          inFlight: () => inFlight,
          cacheEntries: () => pipeline.cache.size,
          cacheBytes: () => pipeline.cache.calculatedSize,
          breakers: () => pipeline.breakers(),
        });
  const pipeline = createUpstreamPipeline(plan.upstreams.values(), readTransportOptions(options), cacheOptions, metrics);
  const schema = addResolversToSchema({ schema: plan.schema, resolvers: createResolvers(plan, plan.schema) });
  const debug = options.debug ?? false;
  const contextFor = options.context;
  // Passthrough runs beside yoga, not as a plugin: it must see the raw request target (yoga's
  // URL parsing resolves "..") and stream Node bodies without WHATWG conversion.
  const passthrough = createPassthroughHandler({ prefix, upstreams: plan.upstreams.values(), stream: pipeline.stream, env, context: contextFor, debug, forwarding });

  let closing = false;
  let inFlight = 0;
  let drained: (() => void) | undefined;
  /**
   * One operation's context, the same in both lanes; `request()` is only called when the app's
   * context function needs it. `signal` aborts when the client goes away.
   */
  const createContext = async (headers: { get(name: string): string | null }, request: () => Request, host: HostContext, signal: ClientSignal | undefined): Promise<TrestleResolverContext> => ({
    trestle: createOperationContext({ headers, env, signal, values: contextFor ? await contextFor(request(), host) : {} }, pipeline.send, limits),
  });
  const production = (options.env ?? process.env)["NODE_ENV"] === "production";
  const development = debug || (options.env ?? process.env)["NODE_ENV"] === "development";
  const limits = normalizeLimits(options.limits);
  const validationRules = createLimitRules(limits, plan.restFields, options.introspection ?? !production);
  const checkCost = createCostCheck(schema, plan.restFields, limits);
  const yogaDocuments = createYogaDocumentCache();
  // One result step (status rules, request-error codes, serialisation) for both GraphQL routes.
  const resultStep = createResultStep({ showSuggestions: development });
  const plugins: Plugin[] = [
    useHealthRoutes(prefix, () => !closing, metrics?.scrape, () => pipeline.states()),
    useRequestParams(),
    useLimits(validationRules, limits.maxTokens, development, checkCost),
    yogaDocuments.plugin,
    useResultStep(resultStep),
  ];
  if (options.csrfPrevention ?? true) plugins.push(useCsrfPrevention(`${prefix}/graphql`));
  if (cacheOptions.enabled) plugins.push(useCacheControlHeader());
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
  const lane = createGraphQLLane({
    schema,
    rules: validationRules,
    checkCost,
    maxTokens: limits.maxTokens,
    showSuggestions: development,
    debug,
    cacheControl: cacheOptions.enabled,
    maskError: createMaskError(debug),
    answer: resultStep,
  });
  const graphqlPath = `${prefix}/graphql`;

  /** Counts a request in flight (close() waits for them) and reports it to the metrics once answered. */
  const track = async <T>(route: Route, work: () => Promise<T>, statusOf: (answer: T | undefined) => number): Promise<T> => {
    inFlight++;
    const started = performance.now();
    let answer: T | undefined;
    try {
      return (answer = await work());
    } finally {
      inFlight--;
      if (closing && inFlight === 0) drained?.();
      metrics?.httpRequest(route, statusOf(answer), (performance.now() - started) / 1000);
    }
  };
  const owns = (pathname: string) =>
    pathname === `${prefix}/graphql` ||
    pathname === `${prefix}/healthz` ||
    pathname === `${prefix}/readyz` ||
    (metrics !== undefined && pathname === `${prefix}/metrics`) ||
    passthrough.claims(pathname, false);

  return {
    schema,
    cache: pipeline.cache,
    prefix,
    fetch: async (request, host = {}) => {
      const origin = request.headers.get("origin") ?? undefined;
      const response = await fetchRoute(request, host, origin);
      return corsActive ? applyFetchCors(response, cors.answer(origin)) : response;
    },
    handle: async (req, res, next) => {
      const isPassthrough = passthrough.claims(req.originalUrl ?? req.url ?? "/", next === undefined);
      const pathname = getRequestTarget(req).split("?")[0] ?? "/";
      if (!isPassthrough && !owns(pathname) && next) return next();
      const origin = req.headers.origin;
      const route: Route = isPassthrough ? "passthrough" : pathname === graphqlPath ? "graphql" : "other";
      if ((isPassthrough || owns(pathname)) && isPreflight(req.method, origin, req.headers["access-control-request-method"])) {
        const { headers, vary } = cors.preflight(origin, req.headers["access-control-request-headers"]);
        return track(route, async () => void res.writeHead(204, vary === undefined ? headers : { ...headers, vary }).end(), () => 204);
      }
      if (corsActive) applyNodeCors(res, cors.answer(origin));
      return handleRoute(req, res, isPassthrough, pathname);
    },
    owns: (target) => owns(target.split("?")[0] ?? "/"),
    close: async () => {
      if (closing) return;
      closing = true;
      if (inFlight > 0) await new Promise<void>((resolve) => (drained = resolve));
      await pipeline.close();
      await yoga.dispose();
    },
  };

  /** The route of a WHATWG request: a preflight, passthrough, the fast GraphQL lane or yoga. */
  function fetchRoute(request: Request, host: HostContext, origin: string | undefined): Promise<Response> {
    const isPassthrough = passthrough.claimsUrl(request.url);
    const pathname = pathnameOf(request.url);
    if ((isPassthrough || owns(pathname)) && isPreflight(request.method, origin, request.headers.get("access-control-request-method"))) {
      const route: Route = isPassthrough ? "passthrough" : pathname === graphqlPath ? "graphql" : "other";
      return track(route, async () => preflightResponse(cors.preflight(origin, request.headers.get("access-control-request-headers") ?? undefined)), statusOfResponse);
    }
    if (isPassthrough) return track("passthrough", () => passthrough.fetch(request, host), statusOfResponse);
    if (!isLaneRequest(request.method, pathname, request.headers.get("content-type"), graphqlPath)) {
      return track(pathname === graphqlPath ? "graphql" : "other", async () => yoga.fetch(request, { host }), statusOfResponse);
    }
    return track(
      "graphql",
      async () => {
        const served = await serveFetchLane(lane, request, limits.maxRequestBytes, (headers, toRequest, signal) => createContext(headers, toRequest, host, signal));
        return served instanceof Response ? served : yoga.fetch(served, { host });
      },
      statusOfResponse,
    );
  }

  /** The route of a node:http request, once preflights and CORS are done. */
  async function handleRoute(req: NodeRequest, res: ServerResponse, isPassthrough: boolean, pathname: string): Promise<void> {
    // 499 (nginx's "client closed request") when the client went away before the answer was sent.
    let left = false;
    if (metrics !== undefined) res.once("close", () => (left ||= !res.writableFinished));
    const statusOfNode = () => (left ? 499 : res.statusCode);
    if (isPassthrough) return track("passthrough", () => passthrough.handle(req, res), statusOfNode);
    const host: HostContext = { req, res };
    const toYoga = (body?: unknown) => serveNodeRequest(async (request, host) => yoga.fetch(request, { host }), req, res, body === undefined ? { host } : { body, host });
    if (!isLaneRequest(req.method, pathname, req.headers["content-type"], graphqlPath)) {
      // GraphQL over GET, GraphiQL, health routes: through yoga's fetch, like every host (mount paths and parsed bodies included).
      return track(pathname === graphqlPath ? "graphql" : "other", () => toYoga(), statusOfNode);
    }
    await track(
      "graphql",
      async () => {
        try {
          const pass = await serveNodeLane(lane, req, res, limits.maxRequestBytes, (headers, toRequest, signal) => createContext(headers, toRequest, host, signal), () => createFetchRequest(req, undefined));
          if (pass !== undefined) await toYoga(pass.body);
        } catch {
          // `handle` never rejects (hosts call it as `void trestle.handle(req, res)`): a client
          // gone mid-body, or a bug, ends this response and nothing else.
          if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain; charset=utf-8", connection: "close" }).end("Internal Server Error");
          else res.destroy();
        }
      },
      statusOfNode,
    );
  }
}

type Route = "graphql" | "passthrough" | "other";

/** A fetch answer's status; a request that threw counts as 500. */
const statusOfResponse = (response: Response | undefined) => response?.status ?? 500;

/** The path of an absolute URL, without building a URL object. */
function pathnameOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start < 0) return "/";
  const end = url.search(/[?#]/);
  return end < 0 ? url.slice(start) : url.slice(start, end);
}

function normalizePrefix(prefix: string | undefined): string {
  if (prefix === undefined || prefix === "" || prefix === "/") return "";
  if (!/^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/.test(prefix) || prefix.includes("//")) {
    throw new TrestleError("CONFIG_INVALID", `prefix must be a path like "/bff", received ${JSON.stringify(prefix)}`);
  }
  return prefix.replace(/\/+$/, "");
}
