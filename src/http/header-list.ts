import type { ServerResponse } from "node:http";
import type { Answer } from "./answer.js";

/**
 * An answer's headers as the flat list `writeHead` takes (`[name, value, name, value…]`), in
 * their order, and two more rules: a text body's `Content-Length` (UTF-8 bytes) at the end
 * unless the answer set one, and the Vary already on the response (a host's, the CORS
 * policy's `Origin`) kept before the answer's own (`writeHead` would otherwise replace it).
 *
 * A list, not an object: Node writes a list with one loop, where an object made per request
 * (a copy with one more header) took a slow property definition and a `for…in` each time.
 */
export function headerList(res: ServerResponse, headers: Answer["headers"], text: string | undefined): (string | string[])[] {
  const list: (string | string[])[] = [];
  let set: ReturnType<ServerResponse["getHeader"]> | null = null;
  for (const name in headers) {
    let value = headers[name]!;
    if (name === "vary") {
      set ??= res.getHeader("vary");
      if (set !== undefined) value = `${String(set)}, ${String(value)}`;
    }
    list.push(name, value);
  }
  if (text !== undefined && headers["content-length"] === undefined) list.push("content-length", String(Buffer.byteLength(text)));
  return list;
}
