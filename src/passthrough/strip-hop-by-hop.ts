/**
 * Fields that describe one connection, not the message (RFC 9110 §7.6.1): a proxy must not
 * forward them. `Connection` and the fields it lists; `Keep-Alive`, `Proxy-Connection`, `TE`,
 * `Transfer-Encoding`, `Upgrade` (§7.8), `Trailer` (the RFC 2616 errata spelling; hono's
 * helper strips "trailers" and misses `Upgrade` and the listed fields); and the proxy
 * authentication pair (§11.7), which is addressed to the proxy, never the origin.
 */
export const hopByHopHeaders: ReadonlySet<string> = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "proxy-authenticate",
  "proxy-authorization",
]);

/** The lower-case field names a `Connection` header lists (its "connection options"). */
export function readConnectionOptions(value: string | readonly string[] | null | undefined): string[] {
  if (value === null || value === undefined) return [];
  const text = typeof value === "string" ? value : value.join(",");
  const names: string[] = [];
  for (const token of text.split(",")) {
    const name = token.trim().toLowerCase();
    if (name !== "") names.push(name);
  }
  return names;
}

/**
 * Copies headers without the hop-by-hop ones, including every field that their own
 * `Connection` header names. Undefined values (Node's header objects) are dropped.
 */
export function stripHopByHop(headers: Readonly<Record<string, string | string[] | undefined>>): Record<string, string | string[]> {
  const listed = readConnectionOptions(headers["connection"]);
  const out: Record<string, string | string[]> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || hopByHopHeaders.has(name) || (listed.length > 0 && listed.includes(name))) continue;
    out[name] = value;
  }
  return out;
}

export type HeaderReader = { get(name: string): string | null };

/**
 * A view of the client's request headers without the hop-by-hop ones and the fields its
 * `Connection` header lists: header rules (`from:`, `{header.X}`) and the default forwards
 * read through it, so a field the client marked hop-by-hop is never forwarded, while the
 * headers Trestle itself sets (`value:` rules) stay out of the client's reach.
 */
export function hideHopByHop(headers: HeaderReader): HeaderReader {
  const listed = readConnectionOptions(headers.get("connection"));
  return {
    get: (name) => (hopByHopHeaders.has(name) || (listed.length > 0 && listed.includes(name)) ? null : headers.get(name)),
  };
}
