import type { Server } from "graphql-ws";
import type { WebSocket } from "ws";
import type { WsConnection } from "./create-graphql-ws-server.js";
import { wsCloseCodes } from "./ws-close-codes.js";

/** Milliseconds between pings; a socket that has not answered the previous one by then is cut. */
export const keepAliveMs = 12_000;

/**
 * Runs graphql-ws's protocol on one `ws` socket (graphql-ws's `useServer` per socket, without
 * its console logging): messages in, answers out (each send awaited, so a slow reader slows
 * the operation's stream instead of filling memory), pings to find dead peers, and on close
 * every running operation ended and its upstream request aborted.
 */
export function attachWsSocket(server: Server<WsConnection>, socket: WebSocket, connection: WsConnection): void {
  // ws reports a protocol fault (a frame over maxPayload, a bad opcode) as 'error' and closes with its code.
  socket.on("error", () => undefined);
  let answered = true;
  const pings = setInterval(() => {
    if (!answered) return socket.terminate();
    answered = false;
    socket.ping();
  }, keepAliveMs);
  socket.on("pong", () => (answered = true));

  const closed = server.opened(
    {
      protocol: socket.protocol,
      send: (data) =>
        new Promise<void>((resolve) => {
          if (socket.readyState !== socket.OPEN) return resolve();
          // A failed send ends with the socket's close; the operation stops there.
          socket.send(data, () => resolve());
        }),
      close: (code, reason) => socket.close(code, reason),
      onMessage: (handle) =>
        socket.on("message", (data, isBinary) => {
          const text = isBinary ? "" : String(data);
          abortOnComplete(text, connection);
          handle(text).catch(() => socket.close(wsCloseCodes.internalError, "Internal server error"));
        }),
    },
    connection,
  );
  socket.once("close", (code, reason) => {
    clearInterval(pings);
    for (const controller of connection.operations.values()) controller.abort();
    connection.operations.clear();
    void closed(code, reason.toString());
  });
}

/**
 * A client's `complete` aborts that operation's upstream request at once. graphql-ws only ends
 * a subscription's iterator (`return()`, which waits for the pending read to settle) and leaves
 * a query running; the operation's signal tells the pipeline now.
 */
function abortOnComplete(text: string, connection: WsConnection): void {
  if (!text.includes("complete")) return;
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    return;
  }
  const { type, id } = (message ?? {}) as { type?: unknown; id?: unknown };
  if (type !== "complete" || typeof id !== "string") return;
  connection.operations.get(id)?.abort();
  connection.operations.delete(id);
}
