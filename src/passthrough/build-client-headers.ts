import type { UpstreamPlan } from "../plan/schema-plan.js";
import { stripHopByHop } from "./strip-hop-by-hop.js";

/**
 * Response fields that describe the upstream's software or its own origin and would be
 * wrong or revealing at Trestle's (H08): `Server`, `X-Powered-By`, and `Alt-Svc` (an
 * alternative service for the upstream's origin, which a client would apply to Trestle's).
 */
const upstreamOnlyHeaders = ["server", "x-powered-by", "alt-svc"];

/**
 * The headers the client gets: the upstream's, as they are, minus the hop-by-hop ones (and
 * those its `Connection` lists: H04), minus the upstream-only ones above, minus `Set-Cookie`
 * unless the upstream opts in (`passthrough: { setCookie: true }`: H07). A `Location` on
 * the upstream's own origin and base path is rewritten to the passthrough mount, so the
 * client follows it back through Trestle and the upstream's address stays internal.
 * Framing is the server's: Node recomputes it (chunked when there is no Content-Length).
 */
export function buildClientHeaders(
  upstreamHeaders: Readonly<Record<string, string | string[] | undefined>>,
  upstream: UpstreamPlan,
  setCookie: boolean,
  mount: string,
): Record<string, string | string[]> {
  const out = stripHopByHop(upstreamHeaders);
  for (const name of upstreamOnlyHeaders) delete out[name];
  if (!setCookie) delete out["set-cookie"];
  const location = out["location"];
  if (typeof location === "string") out["location"] = rewriteLocation(location, upstream, mount);
  return out;
}

/**
 * `http://ml:4010/api/models/x` (the upstream's origin and base path "/api") or `/api/models/x`
 * becomes `<mount>/models/x`; any other value (another host, a relative path) is left as it is.
 */
export function rewriteLocation(location: string, upstream: UpstreamPlan, mount: string): string {
  let path: string;
  if (location.startsWith("/") && !location.startsWith("//")) path = location;
  else if (location.toLowerCase().startsWith(upstream.origin) && (location[upstream.origin.length] ?? "/") === "/")
    path = location.slice(upstream.origin.length) || "/";
  else return location;
  const base = upstream.basePath;
  if (base !== "") {
    if (!path.startsWith(base)) return location;
    const next = path[base.length];
    if (next !== undefined && next !== "/" && next !== "?") return location;
    path = path.slice(base.length);
  }
  return mount + (path.startsWith("/") ? path : `/${path}`);
}
