import type { ServerResponse } from "node:http";
import type { NodeRequest } from "./node-request.js";
import type { HostContext } from "../config/trestle-options.js";
import type { MetricsRecorder } from "../metrics/create-metrics.js";
import type { RequestLogger } from "../logging/create-request-logger.js";
import { joinVary, isPreflight, type CorsHeaders, type CorsPolicy } from "./cors-policy.js";
import { discardAnswer, type Answer } from "./answer.js";
import type { Exchange } from "./exchange.js";
import { FetchExchange } from "./fetch-exchange.js";
import { NodeExchange } from "./node-exchange.js";
import { toResponse } from "./to-response.js";
import { writeNodeAnswer } from "./write-node-answer.js";
import { traceIdOf } from "../logging/trace-id-of.js";
import { traceRequest } from "../tracing/trace-request.js";

/** The metrics label of a route. */
export type RouteName = "graphql" | "passthrough" | "api" | "mcp" | "other";

/**
 * One entry of the route table: it reads an Exchange and answers an Answer, whichever
 * transport carried the request. A new way in (an endpoint, a protocol) is one more Route.
 */
export interface Route {
  matches(exchange: Exchange): boolean;
  /** The metrics label. */
  name(pathname: string): RouteName;
  /** Whether Trestle answers a CORS preflight to this path itself. */
  answersPreflight(pathname: string): boolean;
  /** The answer; a rejection is answered 500 by the table. */
  serve(exchange: Exchange): Promise<Answer>;
  /** What to answer instead when the route's answer cannot be written (a status or header the transport refuses). */
  unwritable?(): Answer;
}

export interface RouteTable {
  fetch(request: Request, host?: HostContext): Promise<Response>;
  handle(req: NodeRequest, res: ServerResponse, next?: (error?: unknown) => void): Promise<void>;
  /** Requests being answered now. */
  inFlight(): number;
  /** Resolves once no request is in flight. */
  drained(): Promise<void>;
}

/**
 * The front door: `trestle.fetch` and `trestle.handle` both run this table. Each request
 * becomes one Exchange (NodeExchange, FetchExchange); the first route that matches
 * answers (health, passthrough, GraphQL, yoga fallback, in Trestle's order); CORS preflights are
 * answered here and every answer gets the one CORS policy's headers; the answer is written to
 * node:http (writeNodeAnswer) or made a Response (toResponse) in one place. In-flight tracking
 * (close() waits for it) and the HTTP metrics wrap every route once. On node:http a request no
 * route matches goes to `next()`. Neither entry rejects: what a route throws is a 500.
 */
export function createRouteTable(
  /** The routes, or where to read them when each request arrives (trestle.reload() replaces them). */
  routes: readonly Route[] | (() => readonly Route[]),
  cors: CorsPolicy,
  corsActive: boolean,
  metrics: MetricsRecorder | undefined,
  /** One log line per request (docs/logging.md), when a logger is set. */
  requestLog?: RequestLogger,
): RouteTable {
  let inFlight = 0;
  let onDrained: (() => void) | undefined;
  const track = async <T>(
    exchange: Exchange,
    name: RouteName,
    work: () => Promise<T>,
    statusOf: (answer: T | undefined) => number,
  ): Promise<T> => {
    inFlight++;
    const started = performance.now();
    const log = requestLog === undefined ? undefined : (exchange.log = requestLog.start());
    let answer: T | undefined;
    try {
      // A SERVER span when an OpenTelemetry SDK is registered (src/tracing/); `work()` alone when not.
      const fixedRoute = name === "graphql" || name === "mcp" ? exchange.pathname : undefined;
      // The log line carries the trace id of the request's span (or of a host app's active span), read once inside it.
      const run = log === undefined ? work : () => ((log.traceId = traceIdOf(exchange.trace)), work());
      return (answer = await traceRequest(exchange, name, fixedRoute, run, statusOf));
    } finally {
      inFlight--;
      if (inFlight === 0) onDrained?.();
      const status = statusOf(answer);
      const ms = performance.now() - started;
      metrics?.httpRequest(name, status, ms / 1000);
      if (log !== undefined) requestLog!.end(exchange, log, name, status, ms);
    }
  };
  const current = typeof routes === "function" ? routes : () => routes;
  const pick = (exchange: Exchange) => current().find((route) => route.matches(exchange));
  /** The preflight's answer, or undefined when this is no preflight Trestle answers. */
  const preflight = (route: Route, exchange: Exchange): Answer | undefined => {
    const { headers } = exchange;
    const origin = headers.get("origin") ?? undefined;
    if (
      !route.answersPreflight(exchange.pathname) ||
      !isPreflight(exchange.method, origin, headers.get("access-control-request-method") ?? undefined)
    )
      return undefined;
    return withCors(
      { status: 204, headers: {}, body: null },
      cors.preflight(origin, headers.get("access-control-request-headers") ?? undefined),
    );
  };
  const serve = async (route: Route, exchange: Exchange): Promise<Answer> => {
    let answer: Answer;
    try {
      answer = await route.serve(exchange);
    } catch {
      // Trestle answers its own errors; whatever still throws is a bug or a client gone mid-body.
      answer = { status: 500, headers: { "content-type": "text/plain; charset=utf-8" }, body: "Internal Server Error" };
    }
    if (exchange.log !== undefined) requestLog!.answered(exchange.log, answer);
    return corsActive ? withCors(answer, cors.answer(exchange.headers.get("origin") ?? undefined)) : answer;
  };

  return {
    async fetch(request, host = {}) {
      const exchange = new FetchExchange(request, host);
      const route = pick(exchange);
      if (route === undefined) return new Response("Not Found", { status: 404 });
      const name = route.name(exchange.pathname);
      const answer = await track(
        exchange,
        name,
        async () => preflight(route, exchange) ?? serve(route, exchange),
        (a) => a?.status ?? 500,
      );
      try {
        return toResponse(answer, exchange.method);
      } catch {
        discardAnswer(answer);
        const instead = route.unwritable?.() ?? { status: 502, headers: {}, body: null };
        return toResponse(
          corsActive ? withCors(instead, cors.answer(exchange.headers.get("origin") ?? undefined)) : instead,
          exchange.method,
        );
      }
    },
    async handle(req, res, next) {
      const exchange = new NodeExchange(req, res, next === undefined);
      const route = pick(exchange);
      if (route === undefined) return next?.();
      const name = route.name(exchange.pathname);
      const answered = preflight(route, exchange);
      if (answered !== undefined)
        return track(
          exchange,
          name,
          () => writeNodeAnswer(exchange, answered),
          () => 204,
        );
      // 499 (nginx's "client closed request") when the client went away before the answer was
      // sent: its socket closed (the response destroyed) before the answer was flushed. Read when
      // the request ends, not with a listener per request.
      await track(
        exchange,
        name,
        async () => {
          const answer = await serve(route, exchange);
          try {
            await writeNodeAnswer(exchange, answer);
          } catch {
            // A status or header Node refuses (an upstream's): nothing was written.
            discardAnswer(answer);
            if (res.headersSent) return void res.destroy();
            for (const header of res.getHeaderNames()) res.removeHeader(header);
            const instead = route.unwritable?.() ?? { status: 502, headers: {}, body: null };
            await writeNodeAnswer(exchange, corsActive ? withCors(instead, cors.answer(req.headers.origin)) : instead);
          }
        },
        () => (res.destroyed && !res.writableFinished ? 499 : res.statusCode),
      );
    },
    inFlight: () => inFlight,
    drained: () => (inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => (onDrained = resolve))),
  };
}

/** A CORS decision added to an answer; its Vary joined to the answer's own. */
function withCors(answer: Answer, cors: CorsHeaders): Answer {
  const { headers } = answer;
  for (const name in cors.headers) headers[name] = cors.headers[name]!;
  if (cors.vary !== undefined) {
    const own = headers["vary"];
    headers["vary"] = joinVary(Array.isArray(own) ? own.join(", ") : own, cors.vary)!;
  }
  return answer;
}
