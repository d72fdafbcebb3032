import type { Readable } from "node:stream";
import type { HostContext } from "../config/trestle-options.js";
import type { StreamBody } from "../upstream/stream-upstream.js";

/**
 * One passthrough request, whatever carried it (a WHATWG Request or a node:http request):
 * what the orchestrator needs and nothing more, so both transports share one code path.
 */
export interface PassthroughRequest {
  /** As received: upper-case for known methods (Node and fetch both normalise those). */
  method: string;
  /** The raw request target (path and query), before any normalisation. */
  target: string;
  /** Client request headers, lower-case names; repeated headers joined with ", ". */
  headers: { get(name: string): string | null };
  /** The socket peer's address, when the transport knows it. */
  peer: string | undefined;
  /** The authority the client asked for (Host, or the URL's host). */
  host: string | undefined;
  proto: "http" | "https";
  /** The body as it arrives; null when the request has none. */
  body: StreamBody | null;
  /** Aborts when the client goes away. */
  signal: AbortSignal | undefined;
  /** What the host framework handed over, for `createTrestle({ context })`. */
  hostContext: HostContext;
  /** A WHATWG Request for `createTrestle({ context })`, made only when a header rule reads `{context.X}`. */
  toRequest(): Request;
}

/** What the passthrough answers: an upstream's answer as it streams, or a problem. */
export interface PassthroughAnswer {
  status: number;
  /** Lower-case names; repeated headers (Set-Cookie) as lists. */
  headers: Record<string, string | string[]>;
  /** A stream to pipe, a whole text (problem bodies), or null for no body. */
  body: Readable | string | null;
}
