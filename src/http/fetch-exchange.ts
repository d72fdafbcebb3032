import type { HostContext } from "../config/trestle-options.js";
import type { StreamBody } from "../upstream/stream-upstream.js";
import { readChunks } from "../upstream/web-streams.js";
import { ClientGone } from "../upstream/client-signal.js";
import type { Exchange } from "./exchange.js";
import { readCappedFetchBody } from "./read-capped-body.js";

/** What a converted node:http request still knows that its WHATWG Request does not. */
export interface RawFacts {
  target: string;
  peer: string | undefined;
}

/**
 * A WHATWG Request as an Exchange. Its URL has already been through WHATWG parsing
 * (dot-segments resolved), so target checks see what is left; `raw` carries the Node target
 * and peer when a node:http request was converted to get here. Otherwise the peer is read from
 * `host.req`, which the Node adapters (Fastify, Koa) hand over.
 */
export class FetchExchange implements Exchange {
  readonly transport = "fetch";
  readonly method: string;
  readonly target: string;
  readonly pathname: string;
  readonly host: string;
  readonly standalone = true;
  readonly bodySpent = false;
  readonly parsedBody = undefined;
  readonly request: Request;
  readonly hostContext: HostContext;
  readonly #peer: string | undefined;
  #read: Buffer | undefined;
  #rebuilt: Request | undefined;
  #signal: ClientGone | undefined;

  constructor(request: Request, hostContext: HostContext, raw?: RawFacts) {
    const { url } = request;
    const authorityAt = url.indexOf("://") + 3;
    const pathAt = url.indexOf("/", authorityAt);
    this.request = request;
    this.hostContext = hostContext;
    this.method = request.method;
    this.target = raw?.target ?? (pathAt === -1 ? "/" : url.slice(pathAt));
    this.pathname = pathnameOf(url, pathAt);
    this.host = url.slice(authorityAt, pathAt === -1 ? undefined : pathAt);
    this.#peer = raw?.peer;
  }

  get headers(): Headers {
    return this.request.headers;
  }

  get peer(): string | undefined {
    return this.#peer ?? this.hostContext.req?.socket?.remoteAddress;
  }

  get proto(): "http" | "https" {
    return this.request.url.startsWith("https:") ? "https" : "http";
  }

  /**
   * The client going away: the request's AbortSignal, heard through one listener of ours. Every
   * upstream call of the request listens here, not on the host's signal, which is an
   * EventTarget: past 10 listeners Node warns of a leak on each request (a wide fan-out), and
   * each of its listeners costs more.
   */
  get signal(): ClientGone {
    if (this.#signal !== undefined) return this.#signal;
    const gone = (this.#signal = new ClientGone());
    const { signal } = this.request;
    if (signal.aborted) gone.abort();
    else signal.addEventListener("abort", () => gone.abort(), { once: true });
    return gone;
  }

  get body(): StreamBody | null {
    return this.request.body === null ? null : readChunks(this.request.body);
  }

  async readBody(max: number): Promise<Buffer | undefined> {
    const length = this.request.headers.get("content-length");
    if (length !== null && Number(length) > max) return undefined;
    return (this.#read = await readCappedFetchBody(this.request, max));
  }

  toRequest(): Request {
    if (this.#read === undefined) return this.request;
    const { request } = this;
    return (this.#rebuilt ??= new Request(request.url, {
      method: request.method,
      headers: request.headers,
      body: new Uint8Array(this.#read.buffer as ArrayBuffer, this.#read.byteOffset, this.#read.byteLength),
      signal: request.signal,
    }));
  }
}

/** The path of an absolute URL, without building a URL object. */
function pathnameOf(url: string, start: number): string {
  if (start < 0) return "/";
  const end = url.search(/[?#]/);
  return end < 0 ? url.slice(start) : url.slice(start, end);
}
