import type { ServerResponse } from "node:http";
import type { HostContext } from "../config/trestle-options.js";
import { answerFromResponse } from "./answer.js";
import { NodeExchange } from "./node-exchange.js";
import { createFetchRequest, toAbortSignal, type NodeRequest } from "./node-request.js";
import { writeNodeAnswer } from "./write-node-answer.js";

export type { NodeRequest } from "./node-request.js";

export type FetchHandler = (request: Request, host: HostContext) => Promise<Response>;

export interface ServeNodeOptions {
  /** A body the framework already parsed elsewhere (Koa's `ctx.request.body`, Fastify's `request.body`). */
  body?: unknown;
  host: HostContext;
}

/**
 * The node:http end of every Node adapter: turns the Node request into a WHATWG Request, runs
 * the fetch handler and writes its Response back, streaming, with backpressure. A body that a
 * framework already parsed (the stream has ended) is re-serialised; a body nobody read streams.
 */
export async function serveNodeRequest(
  handler: FetchHandler,
  req: NodeRequest,
  res: ServerResponse,
  options: ServeNodeOptions,
): Promise<void> {
  const exchange = new NodeExchange(req, res, true);
  try {
    const response = await handler(createFetchRequest(req, options.body ?? req.body, toAbortSignal(exchange.signal)), options.host);
    await writeNodeAnswer(exchange, answerFromResponse(response));
  } catch {
    // Trestle answers its own errors as responses; whatever still throws is a bug or a client gone.
    if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain; charset=utf-8" }).end("Internal Server Error");
    else res.destroy();
  }
}
