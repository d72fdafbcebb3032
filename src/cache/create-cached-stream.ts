import { Readable } from "node:stream";
import type { UpstreamRequest } from "../upstream/upstream-request.js";
import type { UpstreamResponse } from "../upstream/upstream-client.js";
import type { StreamBody, StreamOptions, UpstreamStream } from "../upstream/stream-upstream.js";
import type { CacheStatus } from "./cache-status.js";
import type { CachedSend } from "./create-cached-send.js";
import type { ClientSignal } from "../upstream/client-signal.js";

type Stream = (request: UpstreamRequest, body: StreamBody | null, options: StreamOptions) => Promise<UpstreamStream>;

/** Client preconditions Trestle answers itself from the stored answer (RFC 9111 §4.3.2). */
const validationHeaders = ["if-none-match", "if-modified-since"];
/** Requests for part of a representation, or conditional on its current state: always streamed. */
const streamedWhen = ["range", "if-range", "if-match", "if-unmodified-since"];
/** What a 304 carries (RFC 9110 §15.4.5). */
const notModifiedHeaders = ["cache-control", "content-location", "date", "etag", "expires", "last-modified", "vary"];

/**
 * The passthrough route's `stream`, with the shared cache in it. A GET or HEAD goes through
 * the same `send` as GraphQL fields — the same keys, so a resource read both ways has one
 * entry — and one upstream request. An answer with a length up to `maxResponseBytes` is read
 * whole and handed back as a stream, with `Age` when it came from the store; the client's
 * `If-None-Match` / `If-Modified-Since` are answered against it (304). An answer without a
 * length streams to the client and is stored while it streams, once it has ended whole within
 * `maxEntrySize` (a client that leaves mid-answer stores nothing). Answers of a streaming media
 * type (`text/event-stream`, `application/x-ndjson`, `application/jsonl`) and answers larger
 * than `maxResponseBytes` stream through and are never stored. Streamed past the cache, as
 * before: range and `If-Match` requests, `Accept: text/event-stream`, upstreams whose
 * passthrough passes `Set-Cookie`. A successful write purges like a `@rest` write.
 */
export function createCachedStream(cached: CachedSend, direct: Stream): Stream {
  return async (request, body, options) => {
    const { method, headers } = request;
    if (method !== "GET" && method !== "HEAD") {
      const answer = await direct(request, body, options);
      if (answer.status >= 200 && answer.status < 300) await cached.purgeAfterWrite(request);
      return withCacheStatus(answer, "fwd=method");
    }
    if (
      streamedWhen.some((name) => name in headers) ||
      headers["accept"]?.includes("text/event-stream") ||
      request.upstream.passthrough?.setCookie
    ) {
      return withCacheStatus(await direct(request, body, options), "fwd=bypass");
    }
    const sent: Record<string, string> = { ...headers, ...options.forwarded };
    for (const name of validationHeaders) delete sent[name];
    const status: CacheStatus = {};
    const response = await cached.send({ ...request, headers: sent }, status, options.signal, true);
    if (response.streamed !== undefined) {
      // Without a length it was a miss like any other (stored once complete, when it may be); else too large or never-ending.
      const params =
        response.streamed.keep === undefined
          ? `fwd=bypass; detail=${JSON.stringify(response.streamed.reason)}`
          : describeStatus(status, response.status);
      return withCacheStatus(passOn(response, options.signal), params);
    }
    return withCacheStatus(toStream(response, status, request), describeStatus(status, response.status));
  };
}

/** An answer `send` handed back still streaming: its body ends when the client goes. */
function passOn(response: UpstreamResponse, signal: ClientSignal | undefined): UpstreamStream {
  const { headers, body } = response.streamed!;
  if (signal !== undefined) {
    const stop = () => body.destroy();
    if (signal.aborted) stop();
    else {
      signal.addEventListener("abort", stop, { once: true });
      body.once("close", () => signal.removeEventListener("abort", stop));
    }
  }
  return { status: response.status, headers, body };
}

/**
 * RFC 9211 `Cache-Status`: what this cache did, after the upstream's own entries (the list
 * runs from the origin towards the client). `hit; ttl=12`; `hit; detail=stale` (served stale);
 * `fwd=stale; fwd-status=304; stored` (revalidated); `fwd=miss; fwd-status=200; stored`, or
 * with `detail` saying why it was not stored; `collapsed` when it shared a call in flight;
 * `fwd=method` for writes and `fwd=bypass` for reads streamed past the cache.
 */
function withCacheStatus(answer: UpstreamStream, params: string): UpstreamStream {
  const entry = `Trestle; ${params}`;
  const upstream = answer.headers["cache-status"];
  const before = Array.isArray(upstream) ? upstream.join(", ") : upstream;
  answer.headers["cache-status"] = before ? `${before}, ${entry}` : entry;
  return answer;
}

function describeStatus(status: CacheStatus, upstreamStatus: number): string {
  const ttl = status.maxAge === undefined ? "" : `; ttl=${status.maxAge}`;
  switch (status.status) {
    case "hit":
      return `hit${ttl}`;
    case "stale":
      return "hit; detail=stale";
    case "revalidated":
      return `fwd=stale; fwd-status=304; stored${ttl}`;
    default: {
      const collapsed = status.status === "coalesced" ? "; collapsed" : "";
      const stored =
        status.maxAge === undefined
          ? status.notStored === undefined
            ? ""
            : `; detail=${JSON.stringify(`not stored: ${status.notStored}`)}`
          : `; stored${ttl}`;
      return `fwd=miss; fwd-status=${upstreamStatus}${collapsed}${stored}`;
    }
  }
}

function toStream(response: UpstreamResponse, status: CacheStatus, request: UpstreamRequest): UpstreamStream {
  const stored = status.status === "hit" || status.status === "stale" || status.status === "revalidated";
  if (response.status === 200 && isNotModified(request.headers, response.headers)) {
    const headers: Record<string, string> = {};
    for (const name of notModifiedHeaders) if (response.headers[name] !== undefined) headers[name] = response.headers[name];
    if (stored) headers["age"] = String(status.age ?? 0);
    return { status: 304, headers, body: Readable.from([]) };
  }
  // The body was decoded when it was read: its length is the decoded one, and no encoding applies.
  const headers: Record<string, string> = { ...response.headers };
  delete headers["content-encoding"];
  if (request.method === "GET") {
    delete headers["content-length"];
    if (response.status !== 204 && response.status !== 304) headers["content-length"] = String(response.body.length);
  }
  if (stored) headers["age"] = String(status.age ?? 0);
  const body = request.method === "HEAD" || response.body.length === 0 ? [] : [response.body];
  return { status: response.status, headers, body: Readable.from(body, { objectMode: false }) };
}

/** RFC 9110 §13.1.2 (weak comparison) and §13.1.3 (only without If-None-Match). */
function isNotModified(request: Readonly<Record<string, string>>, stored: Readonly<Record<string, string>>): boolean {
  const noneMatch = request["if-none-match"];
  if (noneMatch !== undefined) {
    const etag = stored["etag"];
    if (noneMatch.trim() === "*") return etag !== undefined;
    if (etag === undefined) return false;
    const opaque = (tag: string) => tag.trim().replace(/^W\//, "");
    return noneMatch.split(",").some((tag) => opaque(tag) === opaque(etag));
  }
  const since = Date.parse(request["if-modified-since"] ?? "");
  const modified = Date.parse(stored["last-modified"] ?? "");
  return !Number.isNaN(since) && !Number.isNaN(modified) && modified <= since;
}
