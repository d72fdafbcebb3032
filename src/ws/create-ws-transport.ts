import type { IncomingMessage, Server as HttpServer } from "node:http";
import type { Server as HttpsServer } from "node:https";
import type { Duplex } from "node:stream";
import { handleProtocols } from "graphql-ws";
import { WebSocketServer, type WebSocket } from "ws";
import type { CorsPolicy } from "../http/cors-policy.js";
import { getRequestTarget } from "../http/node-request.js";
import { attachWsSocket } from "./attach-ws-socket.js";
import { createGraphQLWsServer, type GraphQLWsServerOptions, type WsConnection } from "./create-graphql-ws-server.js";
import { decideUpgradeOrigin } from "./decide-upgrade-origin.js";
import { refuseUpgrade } from "./refuse-upgrade.js";
import { wsCloseCodes } from "./ws-close-codes.js";

/** Operations one socket may run at once (graphql-ws sets no bound). */
export const maxOperationsPerSocket = 100;
/** Milliseconds a new socket has to send `connection_init`. */
export const connectionInitWaitMs = 3_000;
/** Milliseconds `close()` waits for clients to answer the close frame before cutting their sockets. */
const closeGraceMs = 2_000;

export interface WsTransportOptions extends Pick<GraphQLWsServerOptions, "yoga" | "maskError" | "showSuggestions"> {
  /** `${prefix}/graphql`: the only path whose upgrades are Trestle's. */
  readonly graphqlPath: string;
  readonly cors: CorsPolicy;
  /** Whether a `cors` option was given (without it, only same-origin browser pages may connect). */
  readonly corsActive: boolean;
  /** Bytes of one message (limits.maxRequestBytes); past it ws closes the socket with 1009. */
  readonly maxMessageBytes: number;
  /** Sockets open (or opening) at once (limits.maxWebSocketConnections); past it upgrades get 503. */
  readonly maxConnections: number;
}

/** GraphQL over WebSocket (graphql-transport-ws) on the GraphQL path of node:http servers. */
export interface WsTransport {
  /** Handles the `upgrade` events of `server` for the GraphQL path; other paths are the host's. */
  attach(server: HttpServer | HttpsServer): void;
  /**
   * Refuses new upgrades (503 from then on: the listeners stay, so a host's server never falls
   * back to treating them as plain requests), closes every socket with 1001 (aborting their
   * upstream requests) and waits for them.
   */
  close(): Promise<void>;
}

export function createWsTransport(options: WsTransportOptions): WsTransport {
  const protocol = createGraphQLWsServer({
    yoga: options.yoga,
    maskError: options.maskError,
    showSuggestions: options.showSuggestions,
    maxOperations: maxOperationsPerSocket,
    connectionInitWaitMs,
  });
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxMessageBytes,
    handleProtocols: (protocols) => handleProtocols(protocols),
    // Compression costs memory per socket and opens compression side channels; tokens are small.
    perMessageDeflate: false,
  });
  const attached = new WeakSet<HttpServer | HttpsServer>();
  let closing = false;
  /** Upgrades accepted whose handshake has not finished: they count toward maxConnections too. */
  let opening = 0;

  const onUpgrade = (server: HttpServer | HttpsServer, req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (getRequestTarget(req).split("?")[0] !== options.graphqlPath) {
      // Another path is the host's (its own WebSocket server); with nobody else listening, a 404.
      if (server.listenerCount("upgrade") === 1)
        refuseUpgrade(socket, 404, `No WebSocket endpoint here: GraphQL over WebSocket is at ${options.graphqlPath}`);
      return;
    }
    socket.on("error", () => undefined);
    if (closing) return refuseUpgrade(socket, 503, "Trestle is shutting down: no new WebSocket connections");
    const origin = decideUpgradeOrigin(req.headers.origin, req.headers.host, options.cors, options.corsActive);
    if (origin.refused) return refuseUpgrade(socket, 403, origin.reason);
    if (wss.clients.size + opening >= options.maxConnections) {
      return refuseUpgrade(
        socket,
        503,
        `This server holds its limit of ${options.maxConnections} WebSocket connections (limits.maxWebSocketConnections): retry later, or use GraphQL over SSE`,
        1,
      );
    }
    opening++;
    let counted = true;
    // Once: when the handshake ends, or when the socket closes before it did.
    const settled = () => {
      if (counted) opening--;
      counted = false;
    };
    socket.once("close", settled);
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      settled();
      const connection: WsConnection = {
        request: req,
        url: graphqlUrl(req, options.graphqlPath),
        credentials: origin.credentials,
        close: (code, reason) => ws.close(code, reason),
        operations: new Map(),
      };
      attachWsSocket(protocol, ws, connection);
    });
  };

  return {
    attach(server) {
      if (attached.has(server)) return;
      attached.add(server);
      server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => onUpgrade(server, req, socket, head));
    },
    async close() {
      if (closing) return;
      closing = true;
      const sockets = [...wss.clients];
      const closed = sockets.map(
        (ws) => new Promise<void>((resolve) => (ws.readyState === ws.CLOSED ? resolve() : ws.once("close", () => resolve()))),
      );
      for (const ws of sockets) ws.close(wsCloseCodes.goingAway, "Trestle is shutting down");
      const cut = setTimeout(() => sockets.forEach((ws) => ws.terminate()), closeGraceMs);
      await Promise.all(closed);
      clearTimeout(cut);
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/** The URL operations see as their Request's: the upgrade's own, with an unusable Host replaced by localhost. */
function graphqlUrl(req: IncomingMessage, graphqlPath: string): string {
  const host = req.headers.host ?? "";
  const secure = (req.socket as { encrypted?: boolean }).encrypted === true;
  return `${secure ? "https" : "http"}://${/^[A-Za-z0-9.-]+(:\d+)?$|^\[[0-9A-Fa-f:.]+\](:\d+)?$/.test(host) ? host : "localhost"}${graphqlPath}`;
}
