import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createClient, type Client, type FormattedExecutionResult } from "graphql-ws";
import { WebSocket } from "ws";
import type { Trestle } from "../../src/index.js";

// Test helpers for GraphQL over WebSocket (test/streams/ws-*.test.ts): the real graphql-ws
// client over `ws`, and a raw socket for what a well-behaved client never sends.

export type WsResult = FormattedExecutionResult<Record<string, unknown>, Record<string, unknown>>;

export interface WsClientOptions {
  connectionParams?: Record<string, unknown>;
  /** Headers of the upgrade request (`Origin`, `Authorization`…). */
  headers?: Record<string, string>;
}

/** graphql-ws's client, as an app would make it in Node: no retries, so a refusal shows at once. */
export function openClient(url: string, options: WsClientOptions = {}): Client {
  const headers = options.headers ?? {};
  class HeaderWebSocket extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols, { headers });
    }
  }
  return createClient({
    url,
    webSocketImpl: HeaderWebSocket,
    retryAttempts: 0,
    lazy: true,
    ...(options.connectionParams ? { connectionParams: options.connectionParams } : {}),
  });
}

/** What one operation produced: its results in order, then how it ended. */
export interface Outcome {
  results: WsResult[];
  /** The error the sink got (an array of GraphQL errors, a CloseEvent…), or undefined when it completed. */
  error?: unknown;
}

/** Runs one operation to its end. */
export function run(client: Client, query: string, variables: Record<string, unknown> = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    const results: WsResult[] = [];
    client.subscribe<Record<string, unknown>, Record<string, unknown>>(
      { query, variables },
      {
        next: (result) => void results.push(result),
        error: (error) => resolve({ results, error }),
        complete: () => resolve({ results }),
      },
    );
  });
}

/** Runs one operation on a fresh client and disposes of it. */
export async function runOnce(
  url: string,
  query: string,
  options: WsClientOptions = {},
  variables: Record<string, unknown> = {},
): Promise<Outcome> {
  const client = openClient(url, options);
  try {
    return await run(client, query, variables);
  } finally {
    await client.dispose();
  }
}

/** GraphQL errors as the client saw them, whichever way they came (an `error` message or a result's errors). */
export function errorsOf(outcome: Outcome): Array<{ message: string; extensions?: Record<string, unknown> }> {
  if (Array.isArray(outcome.error)) return outcome.error as Array<{ message: string; extensions?: Record<string, unknown> }>;
  return outcome.results.flatMap((result) => (result.errors ?? []) as Array<{ message: string; extensions?: Record<string, unknown> }>);
}

/** A socket speaking the protocol by hand: messages in order, and how it closed. */
export interface RawSocket {
  socket: WebSocket;
  /** The next message the server sends (parsed JSON). */
  next(): Promise<Record<string, unknown>>;
  send(message: unknown): void;
  closed: Promise<{ code: number; reason: string }>;
}

export async function openRaw(
  url: string,
  headers: Record<string, string> = {},
  protocols: string | string[] = "graphql-transport-ws",
): Promise<RawSocket> {
  const socket = new WebSocket(url, protocols, { headers });
  const queue: Array<Record<string, unknown>> = [];
  const waiting: Array<(message: Record<string, unknown>) => void> = [];
  socket.on("message", (data) => {
    const message = JSON.parse(String(data)) as Record<string, unknown>;
    const waiter = waiting.shift();
    if (waiter) waiter(message);
    else queue.push(message);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on("close", (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  socket.on("error", () => undefined);
  await once(socket, "open");
  return {
    socket,
    next: () => {
      const queued = queue.shift();
      return queued ? Promise.resolve(queued) : new Promise((resolve) => waiting.push(resolve));
    },
    send: (message) => socket.send(typeof message === "string" ? message : JSON.stringify(message)),
    closed,
  };
}

/** The HTTP answer to an upgrade the server refused (status and body), or the socket when it opened. */
export function tryUpgrade(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string } | { opened: true }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, "graphql-transport-ws", { headers });
    socket.on("open", () => {
      socket.close();
      resolve({ opened: true });
    });
    socket.on("unexpected-response", (_request, response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
    });
    socket.on("error", (error) => {
      if (!("message" in error) || !/Unexpected server response/.test(error.message)) reject(error);
    });
  });
}

export interface WsServed {
  server: Server;
  /** ws://127.0.0.1:port */
  ws: string;
  http: string;
  /** Closes Trestle first (its sockets, 1001), then the server. */
  close(): Promise<void>;
}

/** A node:http server over `trestle.handle` with `trestle.upgrade`, on an ephemeral port. */
export async function serveWithUpgrade(
  trestle: Trestle,
  server: Server = createServer((req, res) => void trestle.handle(req, res)),
): Promise<WsServed> {
  trestle.upgrade(server);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    server,
    ws: `ws://127.0.0.1:${port}`,
    http: `http://127.0.0.1:${port}`,
    close: async () => {
      await trestle.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
