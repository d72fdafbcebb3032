import type { IncomingMessage } from "node:http";
import type { ClientSignal } from "../upstream/client-signal.js";

/** A Node request as frameworks hand it over: Express adds `originalUrl`, body parsers `body`. */
export interface NodeRequest extends IncomingMessage {
  /** Express/Connect: the URL before mount paths were stripped from `url`. */
  originalUrl?: string;
  /** A body a framework already read and parsed (express.json(), koa-bodyparser `patchNode`). */
  body?: unknown;
}

/** The path and query the client asked for, mount paths included (Express strips them from `url`). */
export function getRequestTarget(req: NodeRequest): string {
  const target = req.originalUrl ?? req.url ?? "/";
  return target.startsWith("/") ? target : "/";
}

const hostPattern = /^[A-Za-z0-9.-]+(:\d+)?$|^\[[0-9A-Fa-f:.]+\](:\d+)?$/;

/** The WHATWG Request for a Node request: its stream as the body, or the body a framework parsed. */
export function createFetchRequest(req: NodeRequest, parsedBody: unknown, signal?: AbortSignal, streamBody = true): Request {
  const host = req.headers.host ?? "";
  const secure = (req.socket as { encrypted?: boolean } | undefined)?.encrypted === true;
  const url = `${secure ? "https" : "http"}://${hostPattern.test(host) ? host : "localhost"}${getRequestTarget(req)}`;
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name.startsWith(":")) continue;
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else headers.set(name, value);
  }
  const method = req.method ?? "GET";
  if (method === "GET" || method === "HEAD") return new Request(url, signal ? { method, headers, signal } : { method, headers });
  const init: RequestInit & { duplex: "half" } = signal ? { method, headers, signal, duplex: "half" } : { method, headers, duplex: "half" };
  if (!req.readableEnded) {
    if (streamBody) init.body = readBodyStream(req);
  } else if (parsedBody !== undefined) init.body = serializeBody(parsedBody, headers);
  return new Request(url, init);
}

/**
 * The request's body as a WHATWG stream, with backpressure. Unlike Readable.toWeb, a reader
 * that stops early (a body limit, a refusal) pauses the body instead of destroying it: that
 * would destroy the socket before the answer is written. The answer then closes the
 * connection lingering (lingerClose).
 */
function readBodyStream(req: IncomingMessage): ReadableStream<Uint8Array> {
  let open = true;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        const settle = (error?: unknown) => {
          if (!open) return;
          open = false;
          if (error === undefined) controller.close();
          else controller.error(error);
        };
        req.on("data", (chunk: Buffer) => {
          if (!open) return;
          controller.enqueue(chunk);
          if ((controller.desiredSize ?? 0) <= 0) req.pause();
        });
        req.once("end", () => settle());
        req.once("error", settle);
        // A client gone mid-body: the reader fails instead of waiting for ever.
        req.once("close", () =>
          settle(req.complete ? undefined : new Error("The client closed the connection before the request body ended.")),
        );
      },
      pull() {
        req.resume();
      },
      cancel() {
        open = false;
        req.pause();
      },
    },
    { highWaterMark: 64 * 1024, size: (chunk) => chunk.byteLength },
  );
}

/**
 * A parsed body becomes bytes again: strings and buffers as they are, URL-encoded forms as a
 * form, anything else as JSON. The framework has decoded any Content-Encoding and the length
 * changes, so those headers go. Byte-exactness is lost here (JSON whitespace, key order of
 * duplicate keys); a body no framework read streams through untouched.
 */
function serializeBody(body: unknown, headers: Headers): string | Uint8Array<ArrayBuffer> {
  headers.delete("content-length");
  headers.delete("content-encoding");
  headers.delete("transfer-encoding");
  if (typeof body === "string") return body;
  // Buffers from body parsers sit on an ArrayBuffer (never a SharedArrayBuffer): a view, no copy.
  if (body instanceof Uint8Array) return new Uint8Array(body.buffer as ArrayBuffer, body.byteOffset, body.byteLength);
  const type = headers.get("content-type") ?? "";
  if (/^application\/x-www-form-urlencoded\b/i.test(type) && isFlatForm(body)) return new URLSearchParams(body).toString();
  if (!/^[^;]*[/+]json\b/i.test(type)) headers.set("content-type", "application/json");
  return JSON.stringify(body);
}

function isFlatForm(body: unknown): body is Record<string, string> {
  return typeof body === "object" && body !== null && Object.values(body).every((value) => typeof value === "string");
}

/** A WHATWG signal that aborts with a ClientSignal (a Request needs the real class). */
export function toAbortSignal(gone: ClientSignal): AbortSignal {
  const aborted = new AbortController();
  if (gone.aborted) aborted.abort();
  else gone.addEventListener("abort", () => aborted.abort(), { once: true });
  return aborted.signal;
}
