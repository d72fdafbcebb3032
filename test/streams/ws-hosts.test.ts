import { once } from "node:events";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import express from "express";
import Fastify from "fastify";
import { Hono } from "hono";
import Koa from "koa";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createServeServer } from "../../src/cli/serve-command.js";
import { trestleExpress, trestleFastify, trestleHono, trestleKoa, type Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { createGate, type Gate } from "../helpers/gate.js";
import { sendJson, startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";
import { openClient, openRaw, run, runOnce, tryUpgrade } from "./ws-client.js";

// trestle.upgrade(server) on the servers hosts run: Express, `trestle serve`'s own, and the
// shutdown of open sockets (W10).
const schema = (url: string) => `
  extend schema @upstream(name: "api", baseUrl: "${url}")
  type Query { user(id: ID!): User @rest(path: "/users/{args.id}") slow: User @rest(path: "/slow") }
  type User { id: ID }`;

let upstream: TestUpstream;
let gate: Gate;
/** Resolves when the upstream sees the client side of a /slow request go away. */
let slowAbandoned: Promise<void>;
let abandon: () => void;

beforeAll(async () => {
  upstream = await startTestUpstream(async (req, res) => {
    if (req.url === "/slow") {
      res.on("close", () => abandon());
      await gate.opened;
    }
    if (!res.destroyed) sendJson(res, 200, { id: req.url.split("/")[2] ?? "slow" });
  });
});
afterAll(() => upstream?.close());
beforeEach(() => {
  gate = createGate();
  slowAbandoned = new Promise((resolve) => (abandon = resolve));
  upstream.requests.length = 0;
});

async function listen(server: Server): Promise<string> {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
async function stop(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

describe("hosts", () => {
  let trestle: Trestle;
  beforeEach(async () => {
    trestle = await createTestTrestle(schema(upstream.url), { prefix: "/bff" });
  });

  it("Express 5: app.use(trestleExpress(trestle)), then trestle.upgrade(app.listen()): HTTP and WebSocket on /bff/graphql", async () => {
    const app = express();
    app.use(trestleExpress(trestle));
    app.get("/hello", (_req, res) => void res.send("host route"));
    const server = app.listen(0, "127.0.0.1");
    trestle.upgrade(server);
    trestle.upgrade(server); // a second call changes nothing
    await once(server, "listening");
    const { port } = server.address() as AddressInfo;
    try {
      expect((await runOnce(`ws://127.0.0.1:${port}/bff/graphql`, `{ user(id: "e") { id } }`)).results).toEqual([
        { data: { user: { id: "e" } } },
      ]);
      expect(await (await fetch(`http://127.0.0.1:${port}/hello`)).text()).toBe("host route");
      expect(await tryUpgrade(`ws://127.0.0.1:${port}/graphql`)).toMatchObject({ status: 404 });
      expect(upstream.requests).toHaveLength(1);
    } finally {
      await trestle.close();
      await stop(server);
    }
  });

  it("Fastify 5 (trestle.upgrade(app.server)), Koa 3 (app.listen()) and Hono 4 (@hono/node-server's serve()) as docs/subscriptions.md wires them", async () => {
    const fastify = Fastify();
    await fastify.register(trestleFastify(trestle));
    trestle.upgrade(fastify.server);
    await fastify.listen({ port: 0, host: "127.0.0.1" });
    const koa = new Koa().use(trestleKoa(trestle));
    const koaServer = koa.listen(0, "127.0.0.1");
    trestle.upgrade(koaServer);
    const hono = new Hono().use(trestleHono(trestle));
    const honoServer = serve({ fetch: hono.fetch, port: 0, hostname: "127.0.0.1" }) as Server;
    trestle.upgrade(honoServer);
    try {
      await Promise.all([once(koaServer, "listening"), honoServer.listening ? undefined : once(honoServer, "listening")]);
      for (const server of [fastify.server, koaServer, honoServer]) {
        const { port } = server.address() as AddressInfo;
        const outcome = await runOnce(`ws://127.0.0.1:${port}/bff/graphql`, `{ user(id: "${port}") { id } }`);
        expect(outcome.results).toEqual([{ data: { user: { id: String(port) } } }]);
      }
    } finally {
      await trestle.close();
      await fastify.close();
      await Promise.all([stop(koaServer), stop(honoServer)]);
    }
  });

  it("trestle serve's server (createServeServer) serves GraphQL over WebSocket", async () => {
    const server = createServeServer(trestle);
    const ws = await listen(server);
    try {
      expect((await runOnce(`${ws}/bff/graphql`, `{ user(id: "s") { id } }`)).results).toEqual([{ data: { user: { id: "s" } } }]);
    } finally {
      await trestle.close();
      await stop(server);
    }
  });
});

describe("W10: trestle.close() with sockets open", () => {
  it("closes every socket with 1001, aborts their upstream requests, refuses new upgrades (503) from then on", async () => {
    const trestle = await createTestTrestle(schema(upstream.url));
    const server = createServeServer(trestle);
    const ws = await listen(server);
    const client = openClient(`${ws}/graphql`);
    const idle = await openRaw(`${ws}/graphql`);
    idle.send({ type: "connection_init" });
    await idle.next();
    const running = run(client, `{ slow { id } }`);
    await upstream.waitForRequests(1);

    const closing = trestle.close();
    expect(await idle.closed).toEqual({ code: 1001, reason: "Trestle is shutting down" });
    const outcome = await running;
    expect((outcome.error as { code?: number }).code).toBe(1001);
    await slowAbandoned;
    await closing;
    expect(await tryUpgrade(`${ws}/graphql`)).toEqual({ status: 503, body: "Trestle is shutting down: no new WebSocket connections\n" });
    await client.dispose();
    await stop(server);
  });
});

describe("W10: a client leaving", () => {
  it("its complete message, or closing its socket, aborts the operation's upstream request at once; the socket keeps serving", async () => {
    const trestle = await createTestTrestle(schema(upstream.url));
    const server = createServeServer(trestle);
    const ws = await listen(server);
    try {
      const raw = await openRaw(`${ws}/graphql`);
      raw.send({ type: "connection_init" });
      await raw.next();
      raw.send({ id: "1", type: "subscribe", payload: { query: `{ slow { id } }` } });
      await upstream.waitForRequests(1);
      raw.send({ id: "1", type: "complete" });
      await slowAbandoned;
      raw.send({ id: "2", type: "subscribe", payload: { query: `{ user(id: "after") { id } }` } });
      expect(await raw.next()).toEqual({ id: "2", type: "next", payload: { data: { user: { id: "after" } } } });

      slowAbandoned = new Promise((resolve) => (abandon = resolve));
      raw.send({ id: "3", type: "subscribe", payload: { query: `{ slow { id } }` } });
      await upstream.waitForRequests(3);
      raw.socket.terminate();
      await slowAbandoned;
    } finally {
      gate.open();
      await trestle.close();
      await stop(server);
    }
  });
});
