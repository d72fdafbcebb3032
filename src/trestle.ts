import type { IncomingMessage, ServerResponse } from "node:http";
import { addResolversToSchema } from "@graphql-tools/schema";
import type { GraphQLSchema } from "graphql";
import { createYoga, type Plugin } from "graphql-yoga";
import type { TrestleOptions } from "./config/trestle-options.js";
import { createResolvers, type TrestleResolverContext } from "./connector/create-resolvers.js";
import { SchemaError, TrestleError } from "./errors.js";
import { createOperationContext } from "./loader/operation-context.js";
import { createMaskError } from "./plugins/mask-error.js";
import { useDebugExtensions } from "./plugins/use-debug-extensions.js";
import { useHealthRoutes } from "./plugins/use-health-routes.js";
import { buildSchemaPlan } from "./sdl/build-schema-plan.js";
import { loadSchemaSources } from "./sdl/load-schema-sources.js";
import { createUpstreamPipeline } from "./upstream/upstream-pipeline.js";

export interface Trestle {
  /** The schema clients see (Trestle's directives removed). */
  readonly schema: GraphQLSchema;
  /** WHATWG fetch handler: Hono, Next.js route handlers, Bun, Deno, workers. */
  fetch(request: Request): Promise<Response>;
  /**
   * node:http listener and Express/Connect middleware: answers the routes it owns, calls
   * `next()` for the rest (or answers 404 when there is no `next`).
   */
  handle(req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void): Promise<void>;
  /** Stops taking requests (`/readyz` answers 503), waits for those in flight, closes pools. */
  close(): Promise<void>;
}

/** Builds a Trestle instance; throws SchemaError (with every diagnostic) when the SDL is invalid. */
export async function createTrestle(options: TrestleOptions): Promise<Trestle> {
  const prefix = normalizePrefix(options.prefix);
  const env = options.env ?? process.env;
  const sources = await loadSchemaSources(options.schema, options.cwd);
  const { plan, diagnostics } = buildSchemaPlan(sources, {
    env,
    upstreams: options.upstreams ?? {},
    hasContext: options.context !== undefined,
  });
  if (plan === undefined) throw new SchemaError(diagnostics.filter((d) => d.severity === "error"));

  const pipeline = createUpstreamPipeline(plan.upstreams.values());
  const schema = addResolversToSchema({ schema: plan.schema, resolvers: createResolvers(plan, plan.schema) });
  const debug = options.debug ?? false;
  const contextFor = options.context;

  let closing = false;
  let inFlight = 0;
  let drained: (() => void) | undefined;
  const plugins: Plugin[] = [useHealthRoutes(prefix, () => !closing)];
  if (debug) plugins.push(useDebugExtensions());

  const yoga = createYoga<Record<string, unknown>, TrestleResolverContext>({
    schema,
    graphqlEndpoint: `${prefix}/graphql`,
    graphiql: options.graphiql ?? true,
    landingPage: false,
    logging: options.logging ?? true,
    maskedErrors: { maskError: createMaskError(debug) },
    plugins,
    context: async ({ request }) => ({
      trestle: createOperationContext(
        { headers: request.headers, env, values: contextFor ? await contextFor(request) : {} },
        pipeline.send,
      ),
    }),
  });

  const track = async <T>(work: () => Promise<T>): Promise<T> => {
    inFlight++;
    try {
      return await work();
    } finally {
      inFlight--;
      if (closing && inFlight === 0) drained?.();
    }
  };
  const owns = (pathname: string) =>
    pathname === `${prefix}/graphql` || pathname === `${prefix}/healthz` || pathname === `${prefix}/readyz`;

  return {
    schema,
    fetch: (request) => track(async () => yoga.fetch(request)),
    handle: async (req, res, next) => {
      const pathname = (req.url ?? "/").split("?")[0] ?? "/";
      if (!owns(pathname) && next) return next();
      await track(async () => {
        await yoga.handle(req, res);
      });
    },
    close: async () => {
      if (closing) return;
      closing = true;
      if (inFlight > 0) await new Promise<void>((resolve) => (drained = resolve));
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
