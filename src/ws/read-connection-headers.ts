import type { IncomingHttpHeaders } from "node:http";
import { hopByHopHeaders } from "../passthrough/strip-hop-by-hop.js";
import { checkHeaderValue, headerValueContract, trimHeaderValue } from "../upstream/check-header-value.js";
import { reservedHeaders } from "../upstream/reserved-headers.js";

/** A `connectionParams` header value past this many characters is refused (as a server refuses a long header line). */
export const maxParamHeaderChars = 8192;
/** At most this many `connectionParams` headers are read. */
export const maxParamHeaders = 64;

/** The headers one WebSocket connection's operations see, or why `connectionParams` was refused. */
export type ConnectionHeaders =
  { readonly headers: Headers; readonly error?: never } | { readonly headers?: never; readonly error: string };

const tokenPattern = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Names that describe the socket, not the caller: never taken from the client, wherever they come from. */
const isSocketHeader = (name: string) =>
  hopByHopHeaders.has(name) || reservedHeaders.has(name) || name.startsWith("sec-websocket-") || name === "origin";

/**
 * Header rules over WebSocket read the upgrade request's headers, overridden by
 * `connectionParams` (browsers cannot set `Authorization` on a WebSocket): a flat object of
 * header names, or its `headers` object. Names are lower-cased; values that are not strings
 * (numbers and booleans are written as text) are left out, as are names that are not HTTP
 * tokens and the socket's own fields (hop-by-hop, `Host`, `Content-Length`, `Sec-WebSocket-*`,
 * `Origin`). A value outside the field-value grammar (CR, LF, NUL…) or longer than
 * {@link maxParamHeaderChars} refuses the connection. Without `credentials` (an origin the
 * CORS policy allows without them) the upgrade's own `Cookie` and `Authorization` are dropped:
 * the browser attached them, not the page.
 */
export function readConnectionHeaders(
  upgrade: IncomingHttpHeaders,
  connectionParams: Readonly<Record<string, unknown>> | undefined,
  credentials: boolean,
): ConnectionHeaders {
  const headers = new Headers();
  for (const [name, value] of Object.entries(upgrade)) {
    if (value === undefined || isSocketHeader(name)) continue;
    if (!credentials && (name === "cookie" || name === "authorization")) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  const params = connectionParams?.["headers"];
  const source = isPlainObject(params) ? params : (connectionParams ?? {});
  let read = 0;
  for (const [key, raw] of Object.entries(source)) {
    const name = key.toLowerCase();
    if (!tokenPattern.test(name) || isSocketHeader(name)) continue;
    if (typeof raw !== "string" && typeof raw !== "number" && typeof raw !== "boolean") continue;
    if (++read > maxParamHeaders) return { error: `connectionParams may carry at most ${maxParamHeaders} headers` };
    const value = trimHeaderValue(String(raw));
    if (value.length > maxParamHeaderChars) {
      return { error: `connectionParams header "${name}" is ${value.length} characters long; the limit is ${maxParamHeaderChars}` };
    }
    const problem = checkHeaderValue(value);
    if (problem !== undefined) return { error: `connectionParams header "${name}" has ${problem}: ${headerValueContract}` };
    headers.set(name, value);
  }
  return { headers };
}

function isPlainObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
