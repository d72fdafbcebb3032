import type { IncomingMessage, ServerResponse } from "node:http";
import type { Trestle } from "../trestle.js";

/** Express's (and Connect's) middleware signature, without depending on Express. */
export type ExpressMiddleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

/**
 * Trestle as Express 4/5 middleware: `app.use(trestleExpress(trestle))`, or mounted,
 * `app.use("/bff", trestleExpress(trestle))` with `prefix: "/bff"` (routes match on
 * `req.originalUrl`, so the mount path counts). Requests Trestle does not own go to `next()`;
 * a body `express.json()` already parsed is used as `req.body`.
 */
export function trestleExpress(trestle: Trestle): ExpressMiddleware {
  return (req, res, next) => {
    trestle.handle(req, res, next).catch(next);
  };
}
