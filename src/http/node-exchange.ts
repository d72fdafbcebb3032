import type { IncomingHttpHeaders, ServerResponse } from "node:http";
import type { HostContext } from "../config/trestle-options.js";
import { ClientGone } from "../upstream/client-signal.js";
import type { StreamBody } from "../upstream/stream-upstream.js";
import type { Exchange } from "./exchange.js";
import { readCappedNodeBody } from "./read-capped-body.js";
import { createFetchRequest, getRequestTarget, toAbortSignal, type NodeRequest } from "./node-request.js";

/**
 * A node:http request as an Exchange, with no WHATWG conversion: the raw target, headers read
 * where they are, the body as the Node stream itself. Nothing is made until a route reads it.
 */
export class NodeExchange implements Exchange {
  readonly transport = "node";
  readonly method: string;
  readonly target: string;
  readonly pathname: string;
  readonly headers: NodeHeaders;
  readonly standalone: boolean;
  readonly req: NodeRequest;
  readonly res: ServerResponse;
  /** A route took `body` and streams it: the answer may be written while it still arrives. */
  streamsBody = false;
  #read: Buffer | undefined;
  #signal: ClientGone | undefined;
  #request: Request | undefined;

  constructor(req: NodeRequest, res: ServerResponse, standalone: boolean) {
    this.req = req;
    this.res = res;
    this.method = req.method ?? "GET";
    this.target = req.originalUrl ?? req.url ?? "/";
    const target = getRequestTarget(req);
    const query = target.indexOf("?");
    this.pathname = query < 0 ? target : target.slice(0, query);
    this.headers = new NodeHeaders(req.headers);
    this.standalone = standalone;
  }

  get peer(): string | undefined {
    return this.req.socket.remoteAddress;
  }

  get host(): string | undefined {
    return this.req.headers.host;
  }

  get proto(): "http" | "https" {
    return (this.req.socket as { encrypted?: boolean } | undefined)?.encrypted === true ? "https" : "http";
  }

  get hostContext(): HostContext {
    return { req: this.req, res: this.res };
  }

  get bodySpent(): boolean {
    return this.req.readableEnded;
  }

  get parsedBody(): unknown {
    return this.req.readableEnded ? this.req.body : undefined;
  }

  get body(): StreamBody | null {
    const { headers } = this.req;
    const length = headers["content-length"];
    if (headers["transfer-encoding"] === undefined && (length === undefined || length === "0")) return null;
    this.streamsBody = true;
    // destroyOnReturn: false: refusing the body midway (413) leaves the socket open for the answer.
    return this.req.iterator({ destroyOnReturn: false }) as AsyncIterable<Uint8Array>;
  }

  async readBody(max: number): Promise<Buffer | undefined> {
    // Spent by a host framework: `parsedBody` holds what there was.
    if (this.req.readableEnded) return Buffer.alloc(0);
    const length = this.req.headers["content-length"];
    if (length !== undefined && Number(length) > max) return undefined;
    return (this.#read = await readCappedNodeBody(this.req, max));
  }

  get signal(): ClientGone {
    if (this.#signal !== undefined) return this.#signal;
    const gone = (this.#signal = new ClientGone());
    const { res } = this;
    // Gone already (while the request was read): its calls are never sent.
    if (res.destroyed) gone.abort();
    else res.once("close", () => !res.writableFinished && gone.abort());
    return gone;
  }

  toRequest(): Request {
    if (this.#request !== undefined) return this.#request;
    // A body read whole goes along as bytes; one a route streams on is not the Request's.
    const body = this.streamsBody ? null : (this.#read ?? this.req.body);
    return (this.#request = createFetchRequest(this.req, body, toAbortSignal(this.signal), !this.streamsBody));
  }
}

/** Lower-case Node headers behind the `get` that templates and contexts use. */
class NodeHeaders {
  readonly #raw: IncomingHttpHeaders;
  constructor(raw: IncomingHttpHeaders) {
    this.#raw = raw;
  }
  get(name: string): string | null {
    const value = this.#raw[name];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.join(", ") : value;
  }
}
