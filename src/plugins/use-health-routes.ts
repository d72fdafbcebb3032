import type { Plugin } from "graphql-yoga";

/**
 * `/healthz` answers 200 while the process serves; `/readyz` answers 503 once `close()`
 * has begun, so a load balancer stops sending traffic before the drain ends; `/metrics`, when
 * `scrape` is given, answers the Prometheus text exposition.
 */
export function useHealthRoutes(prefix: string, isReady: () => boolean, scrape?: () => Promise<{ body: string; contentType: string }>): Plugin {
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
        const ready = isReady();
        endResponse(
          new fetchAPI.Response(JSON.stringify({ status: ready ? "ready" : "draining" }), {
            status: ready ? 200 : 503,
            headers: { "content-type": "application/json", "cache-control": "no-store" },
          }),
        );
      }
    },
  };
}
