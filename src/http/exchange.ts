import type { Context } from "@opentelemetry/api";
import type { HostContext } from "../config/trestle-options.js";
import type { RequestLog } from "../logging/request-log.js";
import type { ClientSignal } from "../upstream/client-signal.js";
import type { StreamBody } from "../upstream/stream-upstream.js";

/**
 * One request, whatever carried it (node:http or a WHATWG Request): what a route reads, and
 * nothing it does not. The route table makes one per request (NodeExchange,
 * FetchExchange); fields that cost something (the body stream, the client-gone signal,
 * a WHATWG Request) are made only when a route reads them.
 */
export interface Exchange {
  readonly transport: "node" | "fetch";
  /** As received: upper-case for known methods (Node and fetch both normalise those). */
  readonly method: string;
  /**
   * The raw request target (path and query), before any normalisation: node:http's
   * `originalUrl` or `url` (mount paths included; may be absolute-form), a Request's path and query.
   */
  readonly target: string;
  /** The target's path, no query; "/" for a target that is not a plain path. */
  readonly pathname: string;
  /** Request headers, lower-case names; repeated headers joined with ", ". */
  readonly headers: { get(name: string): string | null };
  /** The socket peer's address, when the transport knows it. */
  readonly peer: string | undefined;
  /** The authority the client asked for (Host, or the URL's host). */
  readonly host: string | undefined;
  readonly proto: "http" | "https";
  /** Nothing after Trestle: every request is Trestle's to answer (node:http without `next`, and fetch). */
  readonly standalone: boolean;
  /** The body as it arrives, for a route that streams it on (null when there is none). */
  readonly body: StreamBody | null;
  /** A host framework has already read the body stream (express.json()): `parsedBody` holds what it made of it, if anything. */
  readonly bodySpent: boolean;
  /** The body a host framework read and parsed (Express's `req.body`), when `bodySpent`. */
  readonly parsedBody: unknown;
  /**
   * The body read whole, the one capped reader (read-capped-body.ts): undefined once it passes
   * `max` (or declares more), nothing more read. Rejects when the client leaves mid-body.
   */
  readBody(max: number): Promise<Buffer | undefined>;
  /** Aborts when the client goes away before its answer was written whole; made once, on first read. */
  readonly signal: ClientSignal;
  /** What the host framework handed over, for `createTrestle({ context })`. */
  readonly hostContext: HostContext;
  /**
   * The request as a WHATWG Request (made once, on first call): for yoga and the `context`
   * option. Its body is what `readBody` read, or the body still unread; none once a route took `body`.
   */
  toRequest(): Request;
  /** What the request's log line reads beyond the route table's own (operation name, calls); set only when a logger is. */
  log?: RequestLog | undefined;
  /** The request span's trace context, with an OpenTelemetry SDK registered (src/tracing/trace-request.ts). */
  trace?: Context | undefined;
}
