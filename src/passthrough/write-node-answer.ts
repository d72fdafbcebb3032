import type { ServerResponse } from "node:http";
import { withVary } from "../http/with-vary.js";
import type { PassthroughAnswer } from "./passthrough-exchange.js";

/**
 * Writes an answer to a node:http response, streaming with backpressure (`pipe`; not
 * `stream/promises` pipeline, whose per-call AbortController cost ~5% of a proxied request).
 * An answer of unknown length (chunked, server-sent events) gets its head sent at once, so
 * the client sees the stream open before the first event. If either side breaks off
 * mid-body, both are torn down: the client sees a truncated answer, never a spliced one.
 * Resolves when the response is done, whichever way.
 */
export function writeNodeAnswer(res: ServerResponse, answer: PassthroughAnswer): Promise<void> {
  const { body } = answer;
  if (res.destroyed) {
    if (body !== null && typeof body !== "string") body.destroy();
    return Promise.resolve();
  }
  // A refused body may still be arriving: close the connection after the answer, not read it all.
  if (answer.status === 413) res.shouldKeepAlive = false;
  res.writeHead(answer.status, withVary(res, answer.headers));
  if (body === null || typeof body === "string") {
    res.end(body ?? undefined);
    return Promise.resolve();
  }
  if (answer.headers["content-length"] === undefined) res.flushHeaders();
  return new Promise((resolve) => {
    body.once("error", () => res.destroy());
    res.once("close", () => {
      // The client went away (or the upstream broke off): stop reading, which aborts the call.
      if (!body.readableEnded) body.destroy();
      resolve();
    });
    body.pipe(res);
  });
}
