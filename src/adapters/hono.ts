import type { Trestle } from "../trestle.js";

/** The part of Hono's context `c` Trestle uses, so that the core does not depend on Hono. */
export interface HonoContextLike {
  req: { raw: Request; arrayBuffer(): Promise<ArrayBuffer> };
}

export type HonoMiddleware = (c: HonoContextLike, next: () => Promise<void>) => Promise<Response | void>;

/**
 * Trestle as Hono 4 middleware: `app.use(trestleHono(trestle))` (or `app.use("/bff/*", …)`).
 * It answers the routes it owns with `trestle.fetch` and passes the rest to `next()`. When a
 * validator or handler already read the body (`c.req.json()`), Hono's cached copy is sent;
 * `context` receives `c` as `host.framework`.
 */
export function trestleHono(trestle: Trestle): HonoMiddleware {
  return async (c, next) => {
    const raw = c.req.raw;
    const url = new URL(raw.url);
    if (!trestle.owns(url.pathname)) return next();
    const request = raw.bodyUsed ? new Request(raw, { body: await c.req.arrayBuffer() }) : raw;
    return trestle.fetch(request, { framework: c });
  };
}
