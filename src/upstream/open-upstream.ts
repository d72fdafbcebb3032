import { Readable } from "node:stream";
import type { Pool } from "undici";
import type { UpstreamFetch } from "./upstream-transport-options.js";
import type { UpstreamRequest } from "./upstream-request.js";
import { settleBySignal, type AbortSource } from "./settle-by-signal.js";
import { readChunks, toWebStream } from "./web-streams.js";

/** How requests leave for one upstream: its keep-alive pool, or the app's own `fetch`. */
export type UpstreamTransport = Pool | UpstreamFetch;

/** A request body to send: chunks as they arrive, or bytes already in memory. */
export type StreamBody = AsyncIterable<Uint8Array> | Uint8Array | string;

/** An upstream's answer once its head has arrived, the body still to read. */
export interface OpenedAnswer {
  status: number;
  /** Lower-case names, as the upstream sent them; repeated headers (Set-Cookie) as lists. */
  headers: Record<string, string | string[] | undefined>;
  /**
   * The bytes as sent: through the pool, Content-Encoding is passed on, never applied; through
   * the app's fetch they are decoded, and `content-encoding` / `content-length` are left out.
   * Destroy it to abort the call.
   */
  body: Readable;
}

/**
 * The one upstream transport: sends `request` (with `headers`, and `body` as given, in memory
 * or streaming) through the pool or the app's fetch, and resolves when the answer's head
 * arrives. `source` aborts it: its deadline, or the client going away. Through the pool, a
 * request still waiting in undici's queue is let go at once too (settleBySignal); undici's own
 * `headersTimeout` and `bodyTimeout` (the upstream's `timeoutMs`, set on the pool) bound each
 * silence. Redirects are never followed.
 */
export function openUpstream(
  transport: UpstreamTransport,
  request: UpstreamRequest,
  headers: Record<string, string>,
  body: StreamBody | null,
  source: AbortSource,
): Promise<OpenedAnswer> {
  if (typeof transport === "function") return openWithFetch(transport, request, headers, body, source.signal);
  return settleBySignal(
    transport.request({
      method: request.method,
      path: request.path,
      headers,
      // undici sends any (async) iterable as a stream; its types only name Readable.
      body: body as Readable | string | Uint8Array | null,
      // undici takes any EventTarget-like (api-request.js); its types only name AbortSignal and EventEmitter.
      signal: (source.lightSignal as AbortSignal | undefined) ?? source.signal,
    }),
    source,
    (answer) => ({ status: answer.statusCode, headers: answer.headers, body: answer.body }),
  );
}

/**
 * Through the app's fetch (`createTrestle({ fetch })`): `redirect: "manual"` hands back a 3xx
 * itself; a streamed body goes half-duplex. fetch has decoded any Content-Encoding, so
 * `content-encoding` and `content-length` (which describe the encoded bytes) are left out.
 */
async function openWithFetch(
  fetch: UpstreamFetch,
  request: UpstreamRequest,
  headers: Record<string, string>,
  body: StreamBody | null,
  signal: AbortSignal,
): Promise<OpenedAnswer> {
  const init: RequestInit & { duplex?: "half" } = { method: request.method, headers, redirect: "manual", signal };
  if (body !== null) {
    init.body =
      typeof body === "string"
        ? body
        : body instanceof Uint8Array
          ? new Uint8Array(body.buffer as ArrayBuffer, body.byteOffset, body.byteLength)
          : toWebStream(body);
    if (typeof body !== "string" && !(body instanceof Uint8Array)) init.duplex = "half";
  }
  const response = await fetch(request.upstream.origin + request.path, init);
  const answerHeaders: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name !== "content-encoding" && name !== "content-length" && name !== "set-cookie") answerHeaders[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) answerHeaders["set-cookie"] = cookies;
  return {
    status: response.status,
    headers: answerHeaders,
    body: response.body === null ? Readable.from([]) : Readable.from(readChunks(response.body)),
  };
}
