import type { Server as HttpServer, ServerResponse } from "node:http";
import type { Server as HttpsServer } from "node:https";
import type { GraphQLSchema } from "graphql";
import { normalizeCacheOptions } from "./cache/cache-options.js";
import type { TrestleCache } from "./cache/create-cached-send.js";
import type { NodeRequest } from "./http/node-request.js";
import { readTransportOptions } from "./config/read-transport-options.js";
import type { HostContext, TrestleOptions } from "./config/trestle-options.js";
import { createCursorKeys } from "./connector/page-cursor.js";
import { createSubscriptionStreams } from "./connector/subscription-streams.js";
import { createPollLoops } from "./connector/poll-loops.js";
import { SchemaError, TrestleError, type Diagnostic } from "./errors.js";
import { createForwardingPolicy } from "./passthrough/create-forwarding-policy.js";
import { normalizeLimits } from "./config/normalize-limits.js";
import { createMaskError } from "./plugins/mask-error.js";
import { createHealthRoute } from "./http/health-route.js";
import { createRouteTable } from "./http/route-table.js";
import { createUpstreamPipeline } from "./pipeline/upstream-pipeline.js";
import { createMetrics } from "./metrics/create-metrics.js";
import { createCorsPolicy } from "./http/cors-policy.js";
import { createWsTransport } from "./ws/create-ws-transport.js";
import { createGeneration, type InstanceParts } from "./reload/create-generation.js";
import { createGenerations } from "./reload/create-generations.js";
import { loadPlan } from "./reload/load-plan.js";
import { createRequestLogging } from "./logging/create-request-logging.js";
import { createSpillRoom } from "./uploads/spill-room.js";
import { normalizeUploads } from "./config/upload-options.js";

export interface Trestle {
  /** The schema clients see now (Trestle's directives removed): the last good one after `reload()`. */
  readonly schema: GraphQLSchema;
  /**
   * Rebuilds from the same sources and options (schema, operations) and returns every diagnostic,
   * errors and warnings. Without errors, requests arriving from then on are served by the new
   * schema; requests and subscriptions already running finish on the one they started with. With
   * errors the last good schema keeps serving. Calls run one after another. See docs/dev-loop.md.
   */
  reload(): Promise<Diagnostic[]>;
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
  // One CORS policy for every route and both entries; yoga's own (reflect any origin) is off.
  const cors = createCorsPolicy(options.cors);
  const corsActive = options.cors !== undefined && options.cors !== false;
  const env = options.env ?? process.env;
  const { plan, diagnostics } = await loadPlan(options, env);
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
  const limits = normalizeLimits(options.limits);
  // Open subscriptions (`@rest(stream:)` fields) of both transports: budgets, and their end on close().
  const streams = createSubscriptionStreams(pipeline, limits.maxSubscriptions, limits);
  // Polling loops (`@rest(poll:)` fields), one per read; streams.close() ends their subscribers, and so them.
  const polls = createPollLoops(limits.maxPollLoops);
  let closing = false;
  const health = createHealthRoute({
    prefix,
    isReady: () => !closing,
    scrape: metrics?.scrape,
    upstreamStates: () => pipeline.states(),
    cacheState: () => pipeline.cacheState(),
  });
  const logging = createRequestLogging(options.logger, options.logging, {
    prefix,
    // Read when a line is written: by then the schema serving is built.
    isUpstream: (name) => generations.current.plan.upstreams.has(name),
  });
  // What outlives a reload; the rest (schema, yoga, lane, routes) is a generation (src/reload/).
  const parts: InstanceParts = {
    options,
    prefix,
    env,
    pipeline,
    streams,
    polls,
    limits,
    cors,
    cacheOptions,
    health,
    // One JSON line per request through `logger` (docs/logging.md); yoga's own messages through it too.
    logging,
    // One room on disk for every request's upload parts waiting their turn (uploads.maxSpillBytes).
    metrics,
    spillRoom: createSpillRoom(normalizeUploads(options.uploads).maxSpillBytes),
    forwarding: createForwardingPolicy(options.passthrough),
    // Page cursors (docs/pagination.md): sealed with a key from the secret, or a per-process one.
    cursorKeys: createCursorKeys(options.cursorSecret ?? env["TRESTLE_CURSOR_SECRET"]),
  };
  const built = await createGeneration(plan, parts).catch(async (error: unknown) => {
    await pipeline.close();
    throw error;
  });
  if ("diagnostics" in built) {
    await pipeline.close();
    throw new SchemaError(built.diagnostics.filter((d) => d.severity === "error"));
  }
  const generations = createGenerations(built.generation, parts);
  // The route table reads the generation when a request arrives; the request finishes on it.
  const table = createRouteTable(() => generations.current.routes, cors, corsActive, metrics, logging.requests);
  const graphqlPath = `${prefix}/graphql`;
  // GraphQL over WebSocket: the same yoga envelop (limits, document cache, context, masking), on node:http servers.
  const debug = options.debug ?? false;
  const ws = createWsTransport({
    // Each `subscribe` runs on the generation current when it arrives, and stays on it.
    yoga: {
      get getEnveloped() {
        return generations.current.envelop.getEnveloped;
      },
    },
    maskError: createMaskError(debug),
    showSuggestions: debug || env["NODE_ENV"] === "development",
    graphqlPath,
    cors,
    corsActive,
    maxMessageBytes: limits.maxRequestBytes,
    maxConnections: limits.maxWebSocketConnections,
  });

  return {
    get schema() {
      return generations.current.schema;
    },
    reload: () => generations.reload(),
    cache: pipeline.cache,
    prefix,
    fetch: (request, host) => table.fetch(request, host),
    upgrade: (server) => ws.attach(server),
    handle: (req, res, next) => table.handle(req, res, next),
    owns: (target) => {
      const pathname = target.split("?")[0] ?? "/";
      return pathname === graphqlPath || health.claims(pathname) || generations.current.claims(pathname);
    },
    close: async () => {
      if (closing) return;
      closing = true;
      // WebSocket clients get 1001 first, then open upstream streams end.
      const sockets = ws.close();
      streams.close();
      await sockets;
      await table.drained();
      await generations.close();
      await pipeline.close();
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
