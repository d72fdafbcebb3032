import { Readable } from "node:stream";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import { discardAnswer, type Answer } from "./answer.js";
import { lingerClose } from "./linger-close.js";
import type { NodeExchange } from "./node-exchange.js";
import { headerList } from "./header-list.js";

/**
 * Writes an answer to node:http. A text goes with its length in one write (no chunked
 * framing); a stream is piped with backpressure (`pipe`; not `stream/promises` pipeline, whose
 * per-call AbortController cost ~5% of a proxied request), its head sent at once when its length
 * is unknown (server-sent events: the client sees the stream open before the first event). If
 * either side breaks off mid-body, both are torn down: the client sees a truncated answer,
 * never a spliced one. A Vary already on the response (a host's) is kept.
 *
 * A request body still arriving when the answer goes out (a 413, a refusal before reading) is
 * not waited for: the connection closes lingering (lingerClose), so the client reads the answer
 * before any reset. A body a route streams on (passthrough) may still be flowing upstream while
 * the answer streams back: then only an answer that closes the connection lingers.
 * Resolves when the response is done, whichever way; throws (nothing written) on a status or
 * header Node refuses.
 */
export function writeNodeAnswer(exchange: NodeExchange, answer: Answer): Promise<void> {
  const { req, res } = exchange;
  const { body } = answer;
  if (res.destroyed) {
    discardAnswer(answer);
    return Promise.resolve();
  }
  if (!req.complete) {
    if (!exchange.streamsBody) lingerClose(req, res);
    else {
      if (answer.status === 413) res.shouldKeepAlive = false;
      res.once("prefinish", () => {
        if (!req.complete && !res.shouldKeepAlive) lingerClose(req, res);
      });
    }
  }
  if (body === null || typeof body === "string") {
    res.writeHead(answer.status, headerList(res, answer.headers, body ?? undefined)).end(body ?? undefined);
    return Promise.resolve();
  }
  res.writeHead(answer.status, headerList(res, answer.headers, undefined));
  const stream = body instanceof ReadableStream ? Readable.fromWeb(body as NodeReadableStream<Uint8Array>) : body;
  if (answer.headers["content-length"] === undefined) res.flushHeaders();
  return new Promise((resolve) => {
    stream.once("error", () => res.destroy());
    res.once("close", () => {
      // The client went away (or the upstream broke off): stop reading, which aborts the call.
      if (!stream.readableEnded) stream.destroy();
      resolve();
    });
    stream.pipe(res);
  });
}
