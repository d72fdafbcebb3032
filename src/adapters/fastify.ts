import type { IncomingMessage, ServerResponse } from "node:http";
import { serveNodeRequest } from "../http/serve-node-request.js";
import type { Trestle } from "../trestle.js";

/** The parts of Fastify's request, reply and instance Trestle uses (no dependency on Fastify). */
export interface FastifyRequestLike {
  raw: IncomingMessage;
  body?: unknown;
}
export interface FastifyReplyLike {
  raw: ServerResponse;
  hijack(): unknown;
  callNotFound(): unknown;
}
type ContentTypeParser = (request: never, payload: never, done: (error: Error | null, body?: unknown) => void) => void;
export interface FastifyInstanceLike {
  all(url: string, handler: (request: FastifyRequestLike, reply: FastifyReplyLike) => Promise<unknown>): unknown;
  hasContentTypeParser(contentType: string): boolean;
  addContentTypeParser(contentType: string, parser: ContentTypeParser): unknown;
}

/**
 * Trestle as a Fastify 5 plugin: `await app.register(trestleFastify(trestle))` (no register
 * `prefix`: Trestle's own `prefix` places its routes). Its routes run the app's hooks (auth)
 * first, then hijack the reply and answer on the raw Node objects. A body Fastify parsed (JSON,
 * text) is used; other content types stream through unread. Paths under the prefix that
 * Trestle does not own get the app's not-found handler. `context` receives Fastify's
 * `request` as `host.framework`.
 */
export function trestleFastify(trestle: Trestle): (app: FastifyInstanceLike) => Promise<void> {
  return async (app) => {
    // In this plugin's scope only: leave bodies of other types unread, for passthrough to stream.
    if (!app.hasContentTypeParser("*")) app.addContentTypeParser("*", (_request, _payload, done) => done(null));
    app.all(`${trestle.prefix}/*`, async (request, reply) => {
      if (!trestle.owns(request.raw.url ?? "/")) return reply.callNotFound();
      reply.hijack();
      const host = { req: request.raw, res: reply.raw, framework: request };
      return serveNodeRequest(trestle.fetch, request.raw, reply.raw, { body: request.body, host });
    });
  };
}
