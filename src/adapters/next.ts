import type { Trestle } from "../trestle.js";

export type RouteHandler = (request: Request) => Promise<Response>;

/** The exports of a Next.js App Router route module, one per method. */
export interface NextRouteHandlers {
  GET: RouteHandler;
  HEAD: RouteHandler;
  POST: RouteHandler;
  PUT: RouteHandler;
  PATCH: RouteHandler;
  DELETE: RouteHandler;
  OPTIONS: RouteHandler;
}

/**
 * Route handlers for a Next.js catch-all route, e.g. `app/bff/[...trestle]/route.ts` with
 * `prefix: "/bff"`: `export const { GET, POST } = trestleNext(createTrestle({ … }))`. It takes
 * the instance or its promise, so the module needs no top-level await.
 */
export function trestleNext(trestle: Trestle | Promise<Trestle>): NextRouteHandlers {
  const handler: RouteHandler = async (request) => (await trestle).fetch(request);
  return { GET: handler, HEAD: handler, POST: handler, PUT: handler, PATCH: handler, DELETE: handler, OPTIONS: handler };
}
