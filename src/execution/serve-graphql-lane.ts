import type { IncomingHttpHeaders, ServerResponse } from "node:http";
import { lingerClose } from "../http/linger-close.js";
import type { NodeRequest } from "../http/serve-node-request.js";
import type { TrestleResolverContext } from "../connector/create-resolvers.js";
import type { LaneAnswer, LaneRequest } from "./create-graphql-lane.js";
import { ClientGone, type ClientSignal } from "../upstream/client-signal.js";
import { withVary } from "../http/with-vary.js";
import { readCappedFetchBody, readCappedNodeBody } from "../http/read-capped-body.js";

export type Lane = (request: LaneRequest) => Promise<LaneAnswer | undefined>;

/**
 * Builds an operation's context from the request's headers; `request()` makes a WHATWG Request
 * only if asked; `signal` aborts when the client goes away.
 */
export type LaneContextFactory = (
  headers: { get(name: string): string | null },
  request: () => Request,
  signal: ClientSignal | undefined,
) => Promise<TrestleResolverContext>;

/** What yoga gets when the fast lane passes: the body it already read (the stream is spent), if any. */
export type LanePass = { body: string | unknown } | { body?: undefined };

const jsonType = /^application\/(?:graphql\+)?json\s*(?:;\s*charset=utf-8\s*)?$/i;
const utf8 = new TextDecoder();
const tooLarge = JSON.stringify({ errors: [{ message: "Request body too large", extensions: { code: "REQUEST_ENTITY_TOO_LARGE" } }] });

/** Only JSON POSTs to the GraphQL path are the fast lane's; everything else is yoga's. */
export function isLaneRequest(
  method: string | undefined,
  pathname: string,
  contentType: string | null | undefined,
  graphqlPath: string,
): boolean {
  return method === "POST" && pathname === graphqlPath && contentType !== undefined && contentType !== null && jsonType.test(contentType);
}

/**
 * node:http side: reads the body (or takes the one a framework parsed), runs the lane and
 * writes its answer. Returns the pass to hand to yoga when the lane declines.
 */
export async function serveNodeLane(
  lane: Lane,
  req: NodeRequest,
  res: ServerResponse,
  maxBytes: number,
  createContext: LaneContextFactory,
  toRequest: () => Request,
): Promise<LanePass | undefined> {
  let body: unknown;
  let text: string | undefined;
  if (req.readableEnded) {
    if (req.body === undefined) return {};
    body = typeof req.body === "string" || Buffer.isBuffer(req.body) ? parseJson((text = req.body.toString())) : req.body;
  } else {
    const length = req.headers["content-length"];
    if (length !== undefined && !/^\d+$/.test(length)) return {};
    const read = length !== undefined && Number(length) > maxBytes ? undefined : await readCappedNodeBody(req, maxBytes);
    if (read === undefined) {
      // Refused unread (or half read): the client gets its 413 before the connection closes.
      lingerClose(req, res);
      res.writeHead(413, { "content-type": "application/json; charset=utf-8" }).end(tooLarge);
      return undefined;
    }
    text = read.toString("utf8");
    body = parseJson(text);
  }
  if (body === undefined) return { body: text };
  const headers = nodeHeaders(req.headers);
  const answer = await lane({
    body,
    accept: headers.get("accept"),
    createContext: () => createContext(headers, toRequest, clientGone(res)),
  });
  if (answer === undefined) return { body: text ?? body };
  // A known length, not chunked framing: one write for the whole answer.
  res
    .writeHead(answer.status, withVary(res, { ...answer.headers, "content-length": String(Buffer.byteLength(answer.body)) }))
    .end(answer.body);
  return undefined;
}

/** WHATWG side: the same, over the Request's body (read no further than `maxBytes`). Returns a Response, or the Request yoga should get. */
export async function serveFetchLane(
  lane: Lane,
  request: Request,
  maxBytes: number,
  createContext: LaneContextFactory,
): Promise<Response | Request> {
  const length = request.headers.get("content-length");
  if (length !== null && !/^\d+$/.test(length)) return request;
  const bytes = length !== null && Number(length) > maxBytes ? undefined : await readCappedFetchBody(request, maxBytes);
  // As Body#text() decodes: UTF-8, a leading BOM dropped.
  const text = bytes === undefined ? undefined : utf8.decode(bytes);
  if (text === undefined) return new Response(tooLarge, { status: 413, headers: { "content-type": "application/json; charset=utf-8" } });
  const body = parseJson(text);
  const answer =
    body === undefined
      ? undefined
      : await lane({
          body,
          accept: request.headers.get("accept"),
          createContext: () => createContext(request.headers, () => request, request.signal),
        });
  if (answer === undefined)
    return new Request(request.url, { method: request.method, headers: request.headers, body: text, signal: request.signal });
  return new Response(answer.body, { status: answer.status, headers: answer.headers });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A signal that aborts if the response's connection closes before the answer was written whole. */
function clientGone(res: ServerResponse): ClientSignal {
  const gone = new ClientGone();
  // Gone already (while the operation was parsed and validated): its calls are never sent.
  if (res.destroyed) gone.abort();
  else res.once("close", () => !res.writableFinished && gone.abort());
  return gone;
}

/** Lower-case Node headers behind the `get` that templates and contexts use. */
function nodeHeaders(raw: IncomingHttpHeaders): { get(name: string): string | null } {
  return {
    get(name) {
      const value = raw[name];
      if (value === undefined) return null;
      return Array.isArray(value) ? value.join(", ") : value;
    },
  };
}
