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
  /** Every request received since the start (or since a test emptied it with `requests.length = 0`). */
  requests: RecordedRequest[];
  /** The next request to arrive (body read whole), whatever has arrived before: wait for it instead of sleeping. */
  nextRequest(): Promise<RecordedRequest>;
  /** Resolves once `requests` holds at least `n` requests (at once if it already does). */
  waitForRequests(n: number): Promise<RecordedRequest[]>;
  close(): Promise<void>;
}

/** A real HTTP upstream on 127.0.0.1 that records every request it receives, raw. */
export async function startTestUpstream(handler: TestHandler): Promise<TestUpstream> {
  const requests: RecordedRequest[] = [];
  const nexts: Array<(request: RecordedRequest) => void> = [];
  const counts: Array<{ n: number; resolve: (requests: RecordedRequest[]) => void }> = [];
  const settle = (recorded: RecordedRequest) => {
    for (const resolve of nexts.splice(0)) resolve(recorded);
    for (let i = counts.length - 1; i >= 0; i--) {
      if (requests.length >= counts[i]!.n) counts.splice(i, 1)[0]!.resolve(requests);
    }
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const recorded = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
      requests.push(recorded);
      // The handler runs first, so that a waiter sees the request being answered already counted (as hitsOf does).
      Promise.resolve(handler(recorded, res)).catch((error: unknown) => {
        res.statusCode = 599;
        res.end(String(error));
      });
      settle(recorded);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    nextRequest: () => new Promise<RecordedRequest>((resolve) => nexts.push(resolve)),
    waitForRequests: (n) =>
      new Promise<RecordedRequest[]>((resolve) => {
        if (requests.length >= n) resolve(requests);
        else counts.push({ n, resolve });
      }),
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

/**
 * Writes `count` copies of `chunk`, then ends, as fast as the client reads and no faster: when
 * `write()` reports a full buffer it waits for 'drain' (backpressure), and it stops as soon as
 * the client goes away. A handler that writes a large body in one synchronous loop instead holds
 * all of it in this process's memory, which is the test runner's own, and blocks its event loop
 * while it copies: on a loaded machine, Trestle's other calls in the same process then miss
 * their deadlines (the F07 flake).
 */
export async function writeWithBackpressure(res: ServerResponse, chunk: Buffer, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    if (res.destroyed) return;
    if (res.write(chunk)) continue;
    const drained = await new Promise<boolean>((resolve) => {
      const onDrain = () => (res.off("close", onClose), resolve(true));
      const onClose = () => (res.off("drain", onDrain), resolve(false));
      res.once("drain", onDrain);
      res.once("close", onClose);
    });
    if (!drained) return;
  }
  res.end();
}
