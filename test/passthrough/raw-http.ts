import { createServer, type Server } from "node:http";
import { connect, type AddressInfo } from "node:net";
import type { Trestle } from "../../src/index.js";

export interface RawAnswer {
  /** 0 when the server closed the connection without answering. */
  status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: string;
}

/**
 * Sends bytes exactly as given over a fresh TCP connection and parses the answer. fetch and
 * undici normalise request targets ("..", "\\", absolute-form), so attack tests cannot use them.
 */
export function sendRaw(port: number, request: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("close", () => resolve(parseAnswer(Buffer.concat(chunks).toString("latin1"))));
    socket.write(request);
  });
}

/** A request line plus headers, with `Host` and `Connection: close` added. */
export function rawRequest(requestLine: string, headers: Record<string, string> = {}, body = ""): string {
  const lines = [
    requestLine,
    "Host: trestle.test",
    "Connection: close",
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  return `${lines.join("\r\n")}\r\n\r\n${body}`;
}

function parseAnswer(text: string): RawAnswer {
  if (text === "") return { status: 0, headers: {}, body: "" };
  const headEnd = text.indexOf("\r\n\r\n");
  const [statusLine = "", ...lines] = text.slice(0, headEnd).split("\r\n");
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  let body = text.slice(headEnd + 4);
  if (headers["transfer-encoding"] === "chunked") body = decodeChunked(body);
  return { status: Number(statusLine.split(" ")[1]), headers, body };
}

function decodeChunked(text: string): string {
  let out = "";
  let at = 0;
  for (;;) {
    const lineEnd = text.indexOf("\r\n", at);
    if (lineEnd === -1) return out;
    const size = parseInt(text.slice(at, lineEnd), 16);
    if (!(size > 0)) return out;
    out += text.slice(lineEnd + 2, lineEnd + 2 + size);
    at = lineEnd + 2 + size + 2;
  }
}

export interface TrestleServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * A node:http server whose every request goes to `trestle.handle` (no `next`: Trestle stands
 * alone), on an ephemeral port; or `server`, already made (`trestle serve`'s createServeServer).
 */
export async function serveTrestle(
  trestle: Trestle,
  server: Server = createServer((req, res) => void trestle.handle(req, res)),
): Promise<TrestleServer> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
