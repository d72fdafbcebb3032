import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import { createDemoData } from "./data.js";
import { DemoHttpError } from "./http-error.js";
import { readRequestBody, type RequestBody } from "./request-body.js";
import { matchRoute, type DemoResponse, type DemoRouteContext } from "./router.js";
import { demoRoutes } from "./routes.js";
import { sendResponse } from "./send-response.js";
import { sendStream } from "./send-stream.js";
import type { DemoData } from "./types.js";

export interface DemoUpstreamOptions {
  /** @default 0 (an ephemeral port) */
  port?: number;
  /** @default "127.0.0.1" */
  host?: string;
  /** A fixed delay before every answer, to make latency visible. @default 0 */
  latencyMs?: number;
  /** The pause between two parts of a streamed answer (tokens, log lines). @default 40 */
  streamDelayMs?: number;
}

/** One request as the demo upstream received it. */
export interface DemoRequestRecord {
  method: string;
  /** Path and query as received. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  /** The body text; empty when it was over the 1 MB limit. */
  body: string;
  /** Set when the caller closed the connection before the answer was sent. */
  abandoned?: true;
}

export interface DemoUpstream {
  /** @example "http://127.0.0.1:43210" */
  url: string;
  port: number;
  /** Every request received, in order, recorded before it is answered. */
  requests: DemoRequestRecord[];
  resetRequests(): void;
  /** The delay before every answer; may be changed while the server runs. */
  latencyMs: number;
  /** The pause between two parts of a streamed answer; may be changed while the server runs. */
  streamDelayMs: number;
  /** Stops listening and closes every connection, idle keep-alive ones too. */
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Starts the demo AI-platform REST service (models, inference, experiments,
 * pipelines, users). Each instance has its own copy of the data.
 */
export async function startDemoUpstream(options: DemoUpstreamOptions = {}): Promise<DemoUpstream> {
  const data = createDemoData();
  const requests: DemoRequestRecord[] = [];
  const server = createServer((request, response) => {
    handleRequest(request, response, data, requests, demo).catch(() => response.destroy());
  });
  const host = options.host ?? "127.0.0.1";
  await listen(server, options.port ?? 0, host);
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  const demo: DemoUpstream = {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    port,
    requests,
    resetRequests: () => void requests.splice(0),
    latencyMs: options.latencyMs ?? 0,
    streamDelayMs: options.streamDelayMs ?? 40,
    close: () => (closing ??= closeServer(server)),
  };
  return demo;
}

async function handleRequest(
  request: IncomingMessage,
  response: ServerResponse,
  data: DemoData,
  requests: DemoRequestRecord[],
  { latencyMs, streamDelayMs }: Pick<DemoUpstream, "latencyMs" | "streamDelayMs">,
): Promise<void> {
  const body = await readRequestBody(request, MAX_BODY_BYTES);
  const method = request.method ?? "GET";
  const url = request.url ?? "/";
  const record: DemoRequestRecord = { method, url, headers: { ...request.headers }, body: body.text };
  requests.push(record);
  response.once("close", () => {
    if (!response.writableFinished) record.abandoned = true;
  });
  if (latencyMs > 0) await delay(latencyMs);
  if (response.destroyed) return;
  const answer = body.tooLarge ? errorAnswer(new DemoHttpError(413, "Request body too large")) : dispatch(method, url, request, body, data);
  if (answer.stream !== undefined) await sendStream(request, response, answer.stream, streamDelayMs);
  else sendResponse(request, response, answer);
}

function dispatch(method: string, url: string, request: IncomingMessage, body: RequestBody, data: DemoData): DemoResponse {
  const queryStart = url.indexOf("?");
  const pathname = queryStart === -1 ? url : url.slice(0, queryStart);
  const match = matchRoute(demoRoutes, method, pathname);
  if (match.kind === "not-found") return errorAnswer(new DemoHttpError(404, "Not Found"));
  if (match.kind === "method-not-allowed") {
    return errorAnswer(new DemoHttpError(405, "Method Not Allowed", { allow: match.allow.join(", ") }));
  }
  const context: DemoRouteContext = {
    data,
    params: match.params,
    query: new URLSearchParams(queryStart === -1 ? "" : url.slice(queryStart + 1)),
    headers: request.headers,
    readJson: () => parseJson(body.text),
    readBytes: () => body.bytes,
  };
  try {
    return match.route.handle(context);
  } catch (error) {
    return errorAnswer(error);
  }
}

function parseJson(text: string): unknown {
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new DemoHttpError(400, "Invalid JSON");
  }
}

function errorAnswer(error: unknown): DemoResponse {
  if (error instanceof DemoHttpError) return { status: error.status, body: { detail: error.detail }, headers: error.headers };
  return { status: 500, body: { detail: "Internal Server Error" } };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error === undefined ? resolve() : reject(error)));
    server.closeAllConnections();
  });
}
