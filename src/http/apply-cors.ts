import type { ServerResponse } from "node:http";
import { joinVary, type CorsHeaders } from "./cors-policy.js";

/** Puts a CORS decision on a node:http response before its answer is written (writers keep its Vary). */
export function applyNodeCors(res: ServerResponse, cors: CorsHeaders): void {
  for (const name in cors.headers) res.setHeader(name, cors.headers[name]!);
  if (cors.vary !== undefined) res.setHeader("vary", joinVary(res.getHeader("vary") as string | undefined, cors.vary)!);
}

/** The same decision on a WHATWG Response (rebuilt when its headers are immutable). */
export function applyFetchCors(response: Response, cors: CorsHeaders): Response {
  let target = response;
  try {
    setAll(target.headers, cors);
  } catch {
    target = new Response(response.body, response);
    setAll(target.headers, cors);
  }
  return target;
}

/** The answer to a preflight: 204, no body, the policy's headers (none for an Origin not allowed). */
export function preflightResponse(cors: CorsHeaders): Response {
  const response = new Response(null, { status: 204 });
  setAll(response.headers, cors);
  return response;
}

function setAll(headers: Headers, cors: CorsHeaders): void {
  for (const name in cors.headers) headers.set(name, cors.headers[name]!);
  if (cors.vary !== undefined) headers.append("vary", cors.vary);
}
