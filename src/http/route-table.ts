import type { ServerResponse } from "node:http";
import { getRequestTarget, type NodeRequest } from "./serve-node-request.js";
import type { HostContext } from "../config/trestle-options.js";
import type { MetricsRecorder } from "../metrics/create-metrics.js";
import { applyFetchCors, applyNodeCors, preflightResponse } from "./apply-cors.js";
import { isPreflight, type CorsPolicy } from "./cors-policy.js";

/** The metrics label of a route. */
export type RouteName = "graphql" | "passthrough" | "other";

/** What a route is picked by, read the same way from node:http and from a WHATWG Request. */
export interface EntryFacts {
  transport: "node" | "fetch";
  method: string;
  /** The path, no query. */
  pathname: string;
  /** node:http: the raw request target (mount paths included); fetch: the URL. */
  target: string;
  contentType: string | null | undefined;
  /** node:http without `next`: nothing after Trestle, every request is Trestle's to answer. */
  standalone: boolean;
}

/** One entry of the route table, served from either transport. */
export interface Route {
  matches(facts: EntryFacts): boolean;
  /** The metrics label; whether Trestle answers a CORS preflight to this path itself. */
  name(pathname: string): RouteName;
  answersPreflight(pathname: string): boolean;
  /** Answers on node:http without building a WHATWG Request (unless the route needs one); never rejects. */
  node(req: NodeRequest, res: ServerResponse, facts: EntryFacts): Promise<void>;
  fetch(request: Request, host: HostContext, facts: EntryFacts): Promise<Response>;
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
 * The front door: `trestle.fetch` and `trestle.handle` both run this table. The first route
 * that matches answers (health, passthrough, GraphQL, yoga fallback, in Trestle's order); CORS
 * preflights are answered here and every answer gets the one CORS policy's headers; in-flight
 * tracking (close() waits for it) and the HTTP metrics wrap every route once. On node:http a
 * request no route matches goes to `next()`.
 */
export function createRouteTable(
  routes: readonly Route[],
  cors: CorsPolicy,
  corsActive: boolean,
  metrics: MetricsRecorder | undefined,
): RouteTable {
  let inFlight = 0;
  let onDrained: (() => void) | undefined;
  const track = async <T>(name: RouteName, work: () => Promise<T>, statusOf: (answer: T | undefined) => number): Promise<T> => {
    inFlight++;
    const started = performance.now();
    let answer: T | undefined;
    try {
      return (answer = await work());
    } finally {
      inFlight--;
      if (inFlight === 0) onDrained?.();
      metrics?.httpRequest(name, statusOf(answer), (performance.now() - started) / 1000);
    }
  };
  const pick = (facts: EntryFacts) => routes.find((route) => route.matches(facts));

  return {
    async fetch(request, host = {}) {
      const facts: EntryFacts = {
        transport: "fetch",
        method: request.method,
        pathname: pathnameOf(request.url),
        target: request.url,
        contentType: request.headers.get("content-type"),
        standalone: true,
      };
      const route = pick(facts);
      if (route === undefined) return new Response("Not Found", { status: 404 });
      const origin = request.headers.get("origin") ?? undefined;
      const name = route.name(facts.pathname);
      if (
        route.answersPreflight(facts.pathname) &&
        isPreflight(request.method, origin, request.headers.get("access-control-request-method"))
      ) {
        return track(
          name,
          async () => preflightResponse(cors.preflight(origin, request.headers.get("access-control-request-headers") ?? undefined)),
          statusOfResponse,
        );
      }
      const response = await track(name, () => route.fetch(request, host, facts), statusOfResponse);
      return corsActive ? applyFetchCors(response, cors.answer(origin)) : response;
    },
    async handle(req, res, next) {
      const target = getRequestTarget(req);
      const query = target.indexOf("?");
      const facts: EntryFacts = {
        transport: "node",
        method: req.method ?? "GET",
        pathname: query < 0 ? target : target.slice(0, query),
        target: req.originalUrl ?? req.url ?? "/",
        contentType: req.headers["content-type"],
        standalone: next === undefined,
      };
      const route = pick(facts);
      if (route === undefined) return next?.();
      const origin = req.headers.origin;
      const name = route.name(facts.pathname);
      if (route.answersPreflight(facts.pathname) && isPreflight(req.method, origin, req.headers["access-control-request-method"])) {
        const { headers, vary } = cors.preflight(origin, req.headers["access-control-request-headers"]);
        return track(
          name,
          async () => void res.writeHead(204, vary === undefined ? headers : { ...headers, vary }).end(),
          () => 204,
        );
      }
      if (corsActive) applyNodeCors(res, cors.answer(origin));
      // 499 (nginx's "client closed request") when the client went away before the answer was sent.
      let left = false;
      if (metrics !== undefined) res.once("close", () => (left ||= !res.writableFinished));
      await track(
        name,
        () => route.node(req, res, facts),
        () => (left ? 499 : res.statusCode),
      );
    },
    inFlight: () => inFlight,
    drained: () => (inFlight === 0 ? Promise.resolve() : new Promise<void>((resolve) => (onDrained = resolve))),
  };
}

/** A fetch answer's status; a request that threw counts as 500. */
const statusOfResponse = (response: Response | undefined) => response?.status ?? 500;

/** The path of an absolute URL, without building a URL object. */
function pathnameOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start < 0) return "/";
  const end = url.search(/[?#]/);
  return end < 0 ? url.slice(start) : url.slice(start, end);
}
