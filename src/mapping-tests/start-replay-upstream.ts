import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { isDeepStrictEqual } from "node:util";
import type { MappingExchange } from "./mapping-test.js";

/** What the replay upstreams of one test saw: how often each exchange was answered, and the calls none matched. */
export interface ReplayLedger {
  readonly exchanges: readonly MappingExchange[];
  /** Per exchange (same index), the times it was answered. */
  readonly uses: number[];
  /** One line per distinct call no exchange matched. */
  readonly unexpected: string[];
}

export interface ReplayUpstream {
  /** @example "http://127.0.0.1:43210" */
  url: string;
  close(): Promise<void>;
}

/** The status of a call no exchange matches: outside what real services send, and never a recorded one. */
export const unexpectedCallStatus = 599;

/**
 * A real node:http server on 127.0.0.1 standing in for the upstream `name`: it answers each call
 * with the recorded exchange of the same method and path (and body, and headers, where the
 * exchange gives them); an exchange not answered yet is preferred over one already answered,
 * so that a retried call can be recorded as a 503 and then a 200. A call no exchange matches is
 * answered 599 and noted in the ledger.
 */
export async function startReplayUpstream(name: string, ledger: ReplayLedger): Promise<ReplayUpstream> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => answer(name, ledger, req, Buffer.concat(chunks).toString("utf8"), res));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function answer(name: string, ledger: ReplayLedger, req: IncomingMessage, body: string, res: ServerResponse): void {
  const method = req.method ?? "GET";
  const path = req.url ?? "/";
  const candidates = ledger.exchanges
    .map((exchange, index) => ({ exchange, index }))
    .filter(({ exchange: { request } }) => (request.upstream ?? name) === name && request.method === method && request.path === path);
  const matching = candidates.filter(
    ({ exchange }) => bodyMatches(exchange.request.body, body) && headersMatch(exchange.request.headers, req),
  );
  const chosen = matching.find(({ index }) => ledger.uses[index] === 0) ?? matching.at(-1);
  if (chosen === undefined) {
    const why = candidates.length > 0 ? `, its body or headers differ from the recorded ones (received body: ${body || "none"})` : "";
    const line = `unexpected call: ${method} ${path} to upstream "${name}": no recorded exchange matches${why}`;
    if (!ledger.unexpected.includes(line)) ledger.unexpected.push(line);
    res.writeHead(unexpectedCallStatus, { "content-type": "application/json" }).end(JSON.stringify({ error: line }));
    return;
  }
  ledger.uses[chosen.index]! += 1;
  const { status, headers = {}, body: recorded } = chosen.exchange.response;
  const text = recorded === undefined || recorded === null ? "" : typeof recorded === "string" ? recorded : JSON.stringify(recorded);
  const type = typeof recorded === "string" ? "text/plain; charset=utf-8" : "application/json";
  const sent: Record<string, string> = { ...(text === "" ? {} : { "content-type": type }) };
  for (const [key, value] of Object.entries(headers)) sent[key.toLowerCase()] = String(value);
  res.writeHead(status, sent).end(text);
}

function bodyMatches(expected: unknown, received: string): boolean {
  if (expected === undefined) return true;
  if (typeof expected === "string") return expected === received;
  try {
    return isDeepStrictEqual(expected, JSON.parse(received));
  } catch {
    return false;
  }
}

function headersMatch(expected: Record<string, string> | undefined, req: IncomingMessage): boolean {
  return Object.entries(expected ?? {}).every(([key, value]) => req.headers[key.toLowerCase()] === String(value));
}
