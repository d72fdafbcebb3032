import { readChunks } from "../upstream/web-streams.js";
import type { HostContext } from "../config/trestle-options.js";
import type { PassthroughRequest } from "./passthrough-exchange.js";

/**
 * A WHATWG Request as a PassthroughRequest. Its URL has already been through WHATWG parsing
 * (dot-segments resolved), so the target checks see what is left; `raw` carries the Node
 * target and peer when a node:http request was converted to get here. Otherwise the peer is
 * read from `host.req`, which the Node adapters (Fastify, Koa) hand over.
 */
export function readFetchRequest(
  request: Request,
  hostContext: HostContext,
  raw?: { target: string; peer: string | undefined },
): PassthroughRequest {
  const { url } = request;
  const authorityAt = url.indexOf("://") + 3;
  const pathAt = url.indexOf("/", authorityAt);
  return {
    method: request.method,
    target: raw?.target ?? (pathAt === -1 ? "/" : url.slice(pathAt)),
    headers: request.headers,
    // An adapter that converted a Node request hands it over: its socket knows the peer.
    peer: raw?.peer ?? hostContext.req?.socket?.remoteAddress,
    host: url.slice(authorityAt, pathAt === -1 ? undefined : pathAt),
    proto: url.startsWith("https:") ? "https" : "http",
    body: request.body === null ? null : readChunks(request.body),
    signal: request.signal,
    hostContext,
    toRequest: () => request,
  };
}
