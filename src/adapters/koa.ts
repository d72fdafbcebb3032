import type { IncomingMessage, ServerResponse } from "node:http";
import { serveNodeRequest } from "../http/serve-node-request.js";
import type { Trestle } from "../trestle.js";

/** The part of Koa's `ctx` Trestle uses, so that the core does not depend on Koa. */
export interface KoaContextLike {
  req: IncomingMessage;
  res: ServerResponse;
  originalUrl: string;
  respond?: boolean;
  /** Set by @koa/bodyparser / koa-bodyparser when they ran (`rawBody`: the text they parsed). */
  request: { body?: unknown; rawBody?: unknown };
}

export type KoaMiddleware = (ctx: KoaContextLike, next: () => Promise<unknown>) => Promise<unknown>;

/**
 * Trestle as Koa 2/3 middleware: `app.use(trestleKoa(trestle))`. It answers the routes it owns
 * on the raw Node objects (`ctx.respond = false`) and passes the rest to `next()`. A body a
 * body parser already read is used, as the exact text it parsed when the parser kept it
 * (`ctx.request.rawBody`); `context` receives Koa's `ctx` as `host.framework`.
 */
export function trestleKoa(trestle: Trestle): KoaMiddleware {
  return async (ctx, next) => {
    if (!trestle.owns(ctx.originalUrl)) return next();
    ctx.respond = false;
    const host = { req: ctx.req, res: ctx.res, framework: ctx };
    return serveNodeRequest(trestle.fetch, ctx.req, ctx.res, { body: ctx.request.rawBody ?? ctx.request.body, host });
  };
}
