import type { Duplex } from "node:stream";
import { STATUS_CODES } from "node:http";

/**
 * Answers an upgrade request with a plain HTTP error instead of switching protocols (RFC 6455
 * §4.2.2: "the server MUST … respond with an appropriate HTTP error code"), and closes the
 * connection: no socket is opened, nothing reaches an upstream.
 */
export function refuseUpgrade(socket: Duplex, status: number, message: string, retryAfterSeconds?: number): void {
  if (socket.destroyed) return;
  const body = `${message}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? "Error"}\r\n` +
      "Connection: close\r\n" +
      (retryAfterSeconds === undefined ? "" : `Retry-After: ${retryAfterSeconds}\r\n`) +
      "Content-Type: text/plain; charset=utf-8\r\n" +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n` +
      body,
  );
}
