import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { sendJson, startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";
import { until } from "../helpers/gate.js";
import { openRaw, runOnce, serveWithUpgrade, tryUpgrade, type RawSocket, type WsServed } from "./ws-client.js";

// W12: sockets cost memory whether or not they run anything: an instance holds at most
// limits.maxWebSocketConnections; past it an upgrade gets 503 with Retry-After, and a socket
// that closes makes room again.
const schema = (url: string) => `
  extend schema @upstream(name: "api", baseUrl: "${url}")
  type Query { user(id: ID!): User @rest(path: "/users/{args.id}") }
  type User { id: ID }`;

let upstream: TestUpstream;
let trestle: Trestle;
let served: WsServed;

beforeAll(async () => {
  upstream = await startTestUpstream((req, res) => sendJson(res, 200, { id: req.url.split("/")[2] }));
  trestle = await createTestTrestle(schema(upstream.url), { limits: { maxWebSocketConnections: 2 } });
  served = await serveWithUpgrade(trestle);
});
afterAll(async () => {
  await served?.close();
  await upstream?.close();
});

describe("limits.maxWebSocketConnections", () => {
  it("W12: idle sockets past the limit are refused with 503 and Retry-After; closing one makes room", async () => {
    const url = `${served.ws}/graphql`;
    const held: RawSocket[] = [await openRaw(url), await openRaw(url)];
    for (let i = 0; i < 3; i++) {
      const refused = await tryUpgrade(url);
      expect(refused).toEqual({
        status: 503,
        body: "This server holds its limit of 2 WebSocket connections (limits.maxWebSocketConnections): retry later, or use GraphQL over SSE\n",
      });
    }
    // Plain HTTP is not held back by the sockets.
    const http = await fetch(`${served.http}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: `{ user(id: "h") { id } }` }),
    });
    expect(await http.json()).toEqual({ data: { user: { id: "h" } } });
    held[0]!.socket.close();
    await held[0]!.closed;
    // The server lets go of the socket as the close handshake ends (no later than a moment after the client).
    let answered: unknown;
    await until(async () => {
      answered = await runOnce(url, `{ user(id: "ok") { id } }`).then(
        (outcome) => outcome.results,
        () => undefined,
      );
      return answered !== undefined;
    }, "a new socket served once one closed");
    expect(answered).toEqual([{ data: { user: { id: "ok" } } }]);
    held[1]!.socket.close();
    await held[1]!.closed;
  });

  it("W12: the refusal carries Retry-After", async () => {
    const url = `${served.ws}/graphql`;
    const held: RawSocket[] = [];
    await until(async () => {
      const opened = await openRaw(url).catch(() => undefined);
      if (opened !== undefined) held.push(opened);
      return held.length === 2;
    }, "two sockets open");
    const port = new URL(served.http).port;
    const { request } = await import("node:http");
    const headers = await new Promise<Record<string, string | string[] | undefined>>((resolve, reject) => {
      const req = request({
        host: "127.0.0.1",
        port,
        path: "/graphql",
        headers: {
          connection: "Upgrade",
          upgrade: "websocket",
          "sec-websocket-version": "13",
          "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
          "sec-websocket-protocol": "graphql-transport-ws",
        },
      });
      req.on("response", (response) => {
        response.resume();
        resolve({ status: String(response.statusCode), ...response.headers });
      });
      req.on("upgrade", () => reject(new Error("upgraded past the limit")));
      req.on("error", reject);
      req.end();
    });
    expect(headers["status"]).toBe("503");
    expect(headers["retry-after"]).toBe("1");
    for (const socket of held) socket.socket.close();
    await Promise.all(held.map((socket) => socket.closed));
  });
});
