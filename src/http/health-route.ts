import type { UpstreamState } from "../upstream/create-resilience.js";
import type { Answer } from "./answer.js";
import type { Route } from "./route-table.js";

/** What `/readyz` answers (DESIGN.md, "Running at scale"). */
export interface Readiness {
  status: "ready" | "draining";
  /** `cache`: "degraded" while the Redis tier is unreachable or slow; requests are still answered (first tier and upstreams). */
  details: { upstreams: Record<string, UpstreamState>; cache: "ok" | "degraded" };
}

export interface HealthRouteOptions {
  prefix: string;
  isReady: () => boolean;
  /** The Prometheus text exposition; no `/metrics` route without it. */
  scrape?: (() => Promise<{ body: string; contentType: string }>) | undefined;
  upstreamStates: () => Record<string, UpstreamState>;
  /** The cache's state; "ok" when not given. A degraded cache never makes the instance unready. */
  cacheState?: (() => "ok" | "degraded") | undefined;
}

/** The health routes: one Route of the table; `claims` says whether a path is theirs. */
export interface HealthRoute extends Route {
  claims(pathname: string): boolean;
}

const noStore = { "cache-control": "no-store" };

/**
 * `/healthz` answers 200 while the process serves. `/readyz` says whether to send traffic
 * here: `{ status, details: { upstreams: { <name>: "ok" | "stuck" }, cache } }` (what
 * "stuck" means: Resilience.state), 503 once `close()` has begun, so a load balancer stops
 * sending traffic before the drain ends, and 503 while every upstream is stuck (none of
 * them would be served); 200 otherwise. `/metrics`, when `scrape` is given, answers the
 * Prometheus text exposition. Answered straight from either transport, no GraphQL server.
 */
export function createHealthRoute(options: HealthRouteOptions): HealthRoute {
  const healthz = `${options.prefix}/healthz`;
  const readyz = `${options.prefix}/readyz`;
  const metrics = options.scrape === undefined ? undefined : `${options.prefix}/metrics`;
  const claims = (pathname: string) => pathname === healthz || pathname === readyz || pathname === metrics;
  const answer = async (pathname: string): Promise<Answer> => {
    if (pathname === metrics && options.scrape !== undefined) {
      const { body, contentType } = await options.scrape();
      return { status: 200, headers: { "content-type": contentType, ...noStore }, body };
    }
    if (pathname === healthz)
      return { status: 200, headers: { "content-type": "application/json", ...noStore }, body: JSON.stringify({ status: "ok" }) };
    const upstreams = options.upstreamStates();
    const states = Object.values(upstreams);
    const allStuck = states.length > 0 && states.every((state) => state === "stuck");
    const ready = options.isReady();
    const body: Readiness = { status: ready ? "ready" : "draining", details: { upstreams, cache: options.cacheState?.() ?? "ok" } };
    return {
      status: ready && !allStuck ? 200 : 503,
      headers: { "content-type": "application/json", ...noStore },
      body: JSON.stringify(body),
    };
  };
  return {
    claims,
    matches: (exchange) => claims(exchange.pathname),
    name: () => "other",
    answersPreflight: () => true,
    serve: (exchange) => answer(exchange.pathname),
  };
}
