import type { CorsPolicy } from "../http/cors-policy.js";

/**
 * What a WebSocket upgrade's `Origin` allows: `refused` (no socket), or a socket whose
 * ambient credentials (the upgrade's `Cookie` and `Authorization`, which a browser attaches
 * by itself) count only when `credentials` is true.
 */
export type UpgradeOrigin =
  { readonly refused: true; readonly reason: string } | { readonly refused: false; readonly credentials: boolean };

/**
 * The one CORS policy decides which pages may open a socket (cross-site WebSocket hijacking:
 * a browser opens a WebSocket to any origin, cookies attached, and never asks CORS first):
 *
 * - no `Origin` (a non-browser client: nothing ambient to abuse): allowed, credentials count;
 * - same origin (the `Origin`'s host is the upgrade's `Host`, RFC 6455 §10.2): allowed, credentials count;
 * - with `cors` given: an origin the policy lets read answers is allowed, and its credentials
 *   count only where the policy allows credentials for it (an explicit list), as for fetch;
 * - anything else (and every cross origin when embedded without `cors`: the host owns CORS,
 *   so Trestle trusts no other origin): refused with 403.
 */
export function decideUpgradeOrigin(
  origin: string | undefined,
  host: string | undefined,
  cors: CorsPolicy,
  corsActive: boolean,
): UpgradeOrigin {
  if (origin === undefined) return { refused: false, credentials: true };
  if (isSameOrigin(origin, host)) return { refused: false, credentials: true };
  if (corsActive) {
    const { headers } = cors.answer(origin);
    const allowOrigin = headers["access-control-allow-origin"];
    if (allowOrigin === "*" || allowOrigin === origin) {
      return { refused: false, credentials: allowOrigin === origin && headers["access-control-allow-credentials"] === "true" };
    }
  }
  const rule = corsActive ? "an origin the cors option lists" : "the server's own origin (no cors option given)";
  return { refused: true, reason: `WebSocket upgrades from a browser must come from ${rule}, received Origin ${JSON.stringify(origin)}` };
}

/** `http://a.example:8080` against `Host: a.example:8080`; `null` and malformed origins never match. */
function isSameOrigin(origin: string, host: string | undefined): boolean {
  if (host === undefined || host === "") return false;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return false;
  // URL drops a scheme's default port (":80"), which a Host header may spell out.
  const defaultPort = url.protocol === "https:" ? "443" : "80";
  const wanted = host.toLowerCase().endsWith(`:${defaultPort}`) ? host.toLowerCase().slice(0, -defaultPort.length - 1) : host.toLowerCase();
  return url.host === wanted && url.origin === origin.toLowerCase().replace(/\/$/, "");
}
