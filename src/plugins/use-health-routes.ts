import type { Plugin } from "graphql-yoga";
import type { UpstreamState } from "../upstream/create-resilience.js";

/** What `/readyz` answers (DESIGN.md, "Running at scale"). */
export interface Readiness {
  status: "ready" | "draining";
  details: { upstreams: Record<string, UpstreamState>; cache: "ok" };
}

/**
 * `/healthz` answers 200 while the process serves. `/readyz` says whether to send traffic
 * here: `{ status, details: { upstreams: { <name>: "ok" | "stuck" }, cache } }` (what
 * "stuck" means: Resilience.state), 503 once `close()` has begun, so a load balancer stops
 * sending traffic before the drain ends, and 503 while every upstream is stuck (none of
 * them would be served); 200 otherwise. `/metrics`, when `scrape` is given, answers the
 * Prometheus text exposition.
 */
export function useHealthRoutes(
  prefix: string,
  isReady: () => boolean,
  scrape?: () => Promise<{ body: string; contentType: string }>,
  upstreamStates: () => Record<string, UpstreamState> = () => ({}),
): Plugin {
  const healthz = `${prefix}/healthz`;
  const readyz = `${prefix}/readyz`;
  const metrics = `${prefix}/metrics`;
  return {
    async onRequest({ url, endResponse, fetchAPI }) {
      if (scrape !== undefined && url.pathname === metrics) {
        const { body, contentType } = await scrape();
        endResponse(new fetchAPI.Response(body, { status: 200, headers: { "content-type": contentType, "cache-control": "no-store" } }));
      } else if (url.pathname === healthz) {
        endResponse(Response.json({ status: "ok" }, { status: 200, headers: { "cache-control": "no-store" } }));
      } else if (url.pathname === readyz) {
        const upstreams = upstreamStates();
        const states = Object.values(upstreams);
        const allStuck = states.length > 0 && states.every((state) => state === "stuck");
        const ready = isReady();
        const body: Readiness = { status: ready ? "ready" : "draining", details: { upstreams, cache: "ok" } };
        endResponse(
          new fetchAPI.Response(JSON.stringify(body), {
            status: ready && !allStuck ? 200 : 503,
            headers: { "content-type": "application/json", "cache-control": "no-store" },
          }),
        );
      }
    },
  };
}
