import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  method: string;
  /** The request target exactly as received (raw path and query, no normalisation). */
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

export type TestHandler = (req: RecordedRequest, res: ServerResponse) => unknown;

export interface TestUpstream {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/** A real HTTP upstream on 127.0.0.1 that records every request it receives, raw. */
export async function startTestUpstream(handler: TestHandler): Promise<TestUpstream> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const recorded = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
      requests.push(recorded);
      Promise.resolve(handler(recorded, res)).catch((error: unknown) => {
        res.statusCode = 599;
        res.end(String(error));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Requests `upstream` received for `path` (query ignored); inside a handler, the one being answered included. */
export function hitsOf(upstream: TestUpstream, path: string): number {
  return upstream.requests.filter((r) => r.url.split("?")[0] === path).length;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}
