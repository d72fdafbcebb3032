import type { CorsOptions } from "../config/trestle-options.js";
import { TrestleError } from "../errors.js";

/** Headers a CORS decision adds to an answer; `vary` is merged into the answer's own Vary. */
export interface CorsHeaders {
  readonly headers: Readonly<Record<string, string>>;
  readonly vary: string | undefined;
}

/**
 * The one CORS policy of every route. `answer(origin)` is what an ordinary answer carries,
 * `preflight(...)` the whole answer to a preflight (Trestle answers them itself, never
 * upstream). An Origin is only ever echoed when it is listed; `*` answers `*`.
 */
export interface CorsPolicy {
  answer(origin: string | undefined): CorsHeaders;
  preflight(origin: string | undefined, requestHeaders: string | undefined): CorsHeaders;
}

const defaultMethods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"];
const none: CorsHeaders = { headers: {}, vary: undefined };
const byOrigin: CorsHeaders = { headers: {}, vary: "Origin" };

/** The loopback origins `trestle serve` allows without `--cors` outside production. */
export const loopbackOrigins: readonly string[] = ["http://localhost:*", "http://127.0.0.1:*"];

/**
 * Builds the policy from `cors`: `undefined` or `false` adds no CORS headers (the host owns
 * CORS), `true` means any origin as `*` without credentials, an object lists what is allowed.
 * Throws CONFIG_INVALID for credentials without an explicit origin list.
 */
/** `*` or a port wildcard (`http://localhost:*`): such a list may never allow credentials. */
export function hasWildcardOrigin(origins: readonly string[]): boolean {
  return origins.some((origin) => origin === "*" || origin.endsWith(":*"));
}

export function createCorsPolicy(cors: boolean | CorsOptions | undefined): CorsPolicy {
  if (cors === undefined || cors === false) return { answer: () => none, preflight: () => none };
  const options: CorsOptions = cors === true ? { origin: "*" } : cors;
  const origins = typeof options.origin === "string" ? [options.origin] : [...(options.origin ?? [])];
  for (const origin of origins) checkOrigin(origin);
  const any = origins.includes("*");
  const credentials = options.credentials === true;
  if (credentials && hasWildcardOrigin(origins)) {
    throw new TrestleError(
      "CONFIG_INVALID",
      `cors.credentials needs an explicit origin list (no "*", no port wildcard), received ${JSON.stringify(origins)}`,
    );
  }
  const exact = new Set(origins.filter((origin) => !origin.endsWith(":*")));
  const wildcards = origins.filter((origin) => origin.endsWith(":*")).map((origin) => origin.slice(0, -1));
  const allowed = (origin: string) =>
    exact.has(origin) || wildcards.some((base) => origin.startsWith(base) && /^\d{1,5}$/.test(origin.slice(base.length)));
  const common: Record<string, string> = {};
  if (credentials) common["access-control-allow-credentials"] = "true";
  // Cache-Status (RFC 9211, on passthrough answers) is not CORS-safelisted: scripts read it only when exposed.
  common["access-control-expose-headers"] = [...new Set(["Cache-Status", ...(options.exposedHeaders ?? [])])].join(", ");
  const methods = (options.methods ?? defaultMethods).join(", ");

  const answer = (origin: string | undefined): CorsHeaders => {
    if (any) return { headers: { "access-control-allow-origin": "*", ...common }, vary: undefined };
    if (origin === undefined || !allowed(origin)) return byOrigin;
    return { headers: { "access-control-allow-origin": origin, ...common }, vary: "Origin" };
  };
  return {
    answer,
    preflight(origin, requestHeaders) {
      const decided = answer(origin);
      if (decided.headers["access-control-allow-origin"] === undefined) return decided;
      const headers: Record<string, string> = { ...decided.headers, "access-control-allow-methods": methods };
      const allowHeaders = options.allowedHeaders?.join(", ") ?? requestHeaders;
      if (allowHeaders) headers["access-control-allow-headers"] = allowHeaders;
      if (options.maxAge !== undefined) headers["access-control-max-age"] = String(options.maxAge);
      const vary = options.allowedHeaders === undefined ? joinVary(decided.vary, "Access-Control-Request-Headers") : decided.vary;
      return { headers, vary };
    },
  };
}

/** A preflight: OPTIONS with an Origin and the method it asks for. */
export function isPreflight(
  method: string | undefined,
  origin: string | null | undefined,
  requestMethod: string | null | undefined,
): boolean {
  return method === "OPTIONS" && typeof origin === "string" && typeof requestMethod === "string";
}

/** Two Vary values as one, either possibly absent. */
export function joinVary(a: string | undefined | null, b: string | undefined | null): string | undefined {
  if (!a) return b ?? undefined;
  if (!b) return a;
  return `${a}, ${b}`;
}

function checkOrigin(origin: string): void {
  if (origin === "*" || /^https?:\/\/[A-Za-z0-9.-]+(?::(?:\d{1,5}|\*))?$|^https?:\/\/\[[0-9A-Fa-f:.]+\](?::(?:\d{1,5}|\*))?$/.test(origin))
    return;
  throw new TrestleError(
    "CONFIG_INVALID",
    `cors.origin entries must be origins like "https://app.example.com" or "http://localhost:*" (or "*"), received ${JSON.stringify(origin)}`,
  );
}
