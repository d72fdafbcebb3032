import type { ServerResponse } from "node:http";
import { lingerClose } from "../http/linger-close.js";
import type { NodeRequest } from "../http/serve-node-request.js";
import type { PassthroughRequest } from "./passthrough-exchange.js";

/**
 * A node:http request as a PassthroughRequest, with no WHATWG conversion: the raw target
 * (`target`, mount paths included), headers read where they are, and the body as the Node
 * stream itself. The body is read with `destroyOnReturn: false`, so refusing it midway (413)
 * leaves the socket open for the answer; an answer that closes the connection while the body
 * is still arriving closes it lingering (lingerClose), so the client reads it before any reset.
 */
export function readNodeRequest(req: NodeRequest, res: ServerResponse, target: string): PassthroughRequest {
  const { headers } = req;
  const aborted = new AbortController();
  res.once("close", () => {
    if (!res.writableFinished) aborted.abort();
  });
  res.once("prefinish", () => {
    if (!req.complete && !res.shouldKeepAlive) lingerClose(req, res);
  });
  const proto = (req.socket as { encrypted?: boolean }).encrypted === true ? "https" : "http";
  const host = headers.host;
  const length = headers["content-length"];
  const hasBody = headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0");
  return {
    method: req.method ?? "GET",
    target,
    headers: {
      get: (name) => {
        const value = headers[name];
        return value === undefined ? null : Array.isArray(value) ? value.join(", ") : value;
      },
    },
    peer: req.socket.remoteAddress,
    host,
    proto,
    body: hasBody ? (req.iterator({ destroyOnReturn: false }) as AsyncIterable<Uint8Array>) : null,
    signal: aborted.signal,
    hostContext: { req, res },
    toRequest: () => {
      const request = new Headers();
      for (const [name, value] of Object.entries(headers)) {
        if (value !== undefined) request.set(name, Array.isArray(value) ? value.join(", ") : value);
      }
      // Called after the target passed normalizePath: an origin-form ASCII path.
      return new Request(`${proto}://${safeHost(host)}${target}`, { method: req.method ?? "GET", headers: request });
    },
  };
}

function safeHost(host: string | undefined): string {
  return host !== undefined && /^[A-Za-z0-9.-]+(:\d+)?$|^\[[0-9A-Fa-f:.]+\](:\d+)?$/.test(host) ? host : "localhost";
}
