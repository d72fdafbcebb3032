import type { ServerResponse } from "node:http";

type HeaderRecord = Record<string, string | string[] | number | undefined>;

/**
 * An answer's headers with the Vary already set on the response (the CORS policy's `Origin`)
 * kept: `writeHead` would otherwise replace it with the answer's own Vary.
 */
export function withVary<T extends HeaderRecord>(res: ServerResponse, headers: T): T {
  const set = res.getHeader("vary");
  if (set === undefined) return headers;
  const own = headers["vary"];
  if (own === undefined) return headers;
  return { ...headers, vary: `${String(set)}, ${String(own)}` };
}
