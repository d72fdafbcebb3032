import type { IncomingMessage, ServerResponse } from "node:http";
import { setTimeout as delay } from "node:timers/promises";
import type { DemoStream } from "./router.js";

/**
 * Writes a streamed answer without a length: the first part at once, each next one `delayMs`
 * later, then the end. Stops writing as soon as the client has gone.
 */
export async function sendStream(request: IncomingMessage, response: ServerResponse, stream: DemoStream, delayMs: number): Promise<void> {
  const headers: Record<string, string> = { "content-type": stream.contentType, "cache-control": "no-store" };
  const requestId = request.headers["x-request-id"];
  if (typeof requestId === "string") headers["x-request-id"] = requestId;
  response.writeHead(200, headers);
  // The client leaving ends the pause at once: no timer outlives the connection.
  const gone = new AbortController();
  response.once("close", () => gone.abort());
  try {
    for (const [index, part] of stream.parts.entries()) {
      if (index > 0 && delayMs > 0) await delay(delayMs, undefined, { signal: gone.signal });
      if (response.destroyed) return;
      response.write(part);
    }
    response.end();
  } catch (error) {
    if (!gone.signal.aborted) throw error;
  }
}
