import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { DemoResponse } from "./router.js";

/** Writes a route's answer: JSON body, Cache-Control, and ETag with 304 when asked for. */
export function sendResponse(request: IncomingMessage, response: ServerResponse, answer: DemoResponse): void {
  const status = answer.status ?? 200;
  const headers: Record<string, string> = { ...answer.headers };
  if (answer.cacheControl !== undefined) headers["cache-control"] = answer.cacheControl;
  const requestId = request.headers["x-request-id"];
  if (typeof requestId === "string") headers["x-request-id"] = requestId;
  if (answer.body === undefined) {
    response.writeHead(status, headers).end();
    return;
  }
  const text = JSON.stringify(answer.body);
  if (answer.etag === true) {
    headers["etag"] = etagOf(text);
    if (status === 200 && matchesIfNoneMatch(request.headers["if-none-match"], headers["etag"])) {
      response.writeHead(304, headers).end();
      return;
    }
  }
  headers["content-type"] = "application/json";
  headers["content-length"] = String(Buffer.byteLength(text));
  response.writeHead(status, headers).end(text);
}

/** A strong validator from the body's bytes: equal JSON, equal ETag. */
function etagOf(text: string): string {
  return `"${createHash("sha1").update(text).digest("base64url")}"`;
}

/** If-None-Match uses the weak comparison (RFC 9110 §13.1.2), and `*` matches any. */
function matchesIfNoneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const strip = (tag: string): string => tag.trim().replace(/^W\//, "");
  return header.split(",").some((tag) => tag.trim() === "*" || strip(tag) === strip(etag));
}
