import type { IncomingHttpHeaders } from "node:http";
import type { DemoData } from "./types.js";

export type DemoMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** What a route handler sees of one request. */
export interface DemoRouteContext {
  data: DemoData;
  /** Path parameters, percent-decoded. */
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The JSON body, or undefined when the body is empty; throws a 400 on invalid JSON. */
  readJson(): unknown;
  /** The body as bytes (a multipart upload). */
  readBytes(): Buffer;
}

/** What a route handler answers; the server turns it into HTTP. */
export interface DemoResponse {
  /** @default 200 */
  status?: number;
  /** Serialised as JSON; left out for a bodiless answer (204). */
  body?: unknown;
  cacheControl?: string;
  /** Add an ETag computed from the body and answer a matching If-None-Match with 304. */
  etag?: boolean;
  headers?: Record<string, string>;
  /** A streamed answer instead of `body`: the parts are written one by one (send-stream.ts). */
  stream?: DemoStream;
}

export interface DemoStream {
  contentType: string;
  parts: readonly string[];
}

export interface DemoRoute {
  method: DemoMethod;
  /** OpenAPI-style template: `{name}` matches one non-empty path segment. */
  path: string;
  handle(context: DemoRouteContext): DemoResponse;
}

export type RouteMatch =
  | { kind: "found"; route: DemoRoute; params: Record<string, string> }
  | { kind: "method-not-allowed"; allow: DemoMethod[] }
  | { kind: "not-found" };

/** Finds the route for a method and a raw (still percent-encoded) path. */
export function matchRoute(routes: readonly DemoRoute[], method: string, pathname: string): RouteMatch {
  const segments = pathname.split("/").slice(1);
  const allow: DemoMethod[] = [];
  for (const route of routes) {
    const params = matchPath(route.path, segments);
    if (params === undefined) continue;
    if (route.method === method) return { kind: "found", route, params };
    allow.push(route.method);
  }
  return allow.length > 0 ? { kind: "method-not-allowed", allow } : { kind: "not-found" };
}

function matchPath(template: string, segments: string[]): Record<string, string> | undefined {
  const parts = template.split("/").slice(1);
  if (parts.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, part] of parts.entries()) {
    const segment = segments[index] ?? "";
    if (part.startsWith("{") && part.endsWith("}")) {
      const value = decodeSegment(segment);
      if (value === undefined || value === "") return undefined;
      params[part.slice(1, -1)] = value;
    } else if (part !== segment) {
      return undefined;
    }
  }
  return params;
}

function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
