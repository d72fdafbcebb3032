import type { IncomingMessage, ServerResponse } from "node:http";

/** How much of a refused body is read and thrown away, and for how long, before the connection is cut. */
export interface LingerBounds {
  /** @default 4 MiB */
  maxBytes: number;
  /** @default 5000 */
  maxMs: number;
}

export const defaultLingerBounds: LingerBounds = { maxBytes: 4 * 1024 * 1024, maxMs: 5000 };

/**
 * Call before writing an answer that leaves the request body unread (a 413): the answer says
 * `Connection: close`, and the connection closes the way nginx's `lingering_close` does it.
 *
 * Node closes a `Connection: close` socket as soon as the answer is written. If body bytes are
 * still arriving, the kernel answers them with a reset, and a reset can reach the client before
 * it has read the answer: it sees ECONNRESET or EPIPE instead of the 413 (RFC 9112 §9.6). So
 * here the answer is followed by a half-close (FIN), the rest of the body is read and thrown
 * away, and the socket is destroyed once the client closes its side, or after `maxBytes` more
 * bytes or `maxMs`, whichever comes first: a client cannot hold the connection or make Trestle
 * read an endless body.
 */
export function lingerClose(req: IncomingMessage, res: ServerResponse, bounds: LingerBounds = defaultLingerBounds): void {
  if (!res.headersSent) res.shouldKeepAlive = false;
  const { socket } = req;
  if (req.complete || socket.destroyed) return;
  let left = bounds.maxBytes;
  const cut = () => socket.destroy();
  // Node's own way of discarding a body (IncomingMessage#_dump): no one else reads it now.
  req.removeAllListeners("data");
  req.removeAllListeners("readable");
  req.on("data", (chunk: Buffer) => {
    if ((left -= chunk.length) < 0) cut();
  });
  req.resume();
  // Node calls destroySoon once the answer is written (`Connection: close`): FIN now, destroy later.
  socket.destroySoon = () => {
    if (socket.writable) socket.end();
    const timer = setTimeout(cut, bounds.maxMs);
    timer.unref();
    socket.once("close", () => clearTimeout(timer));
    socket.once("end", cut);
  };
}
