import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { createGate, type Gate } from "../helpers/gate.js";
import { sendJson, startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";
import { errorsOf, openClient, openRaw, run, runOnce, serveWithUpgrade, type RawSocket, type WsServed } from "./ws-client.js";

// What a client that does not follow graphql-transport-ws sends (W07), a message past the size
// limit (W08) and an operation flood on one socket (W09): each gets a clear close code or error,
// and a normal client is served afterwards.
const schema = (url: string) => `
  extend schema @upstream(name: "api", baseUrl: "${url}")
  type Query { user(id: ID!): User @rest(path: "/users/{args.id}") slow: User @rest(path: "/slow") }
  type User { id: ID }`;

let upstream: TestUpstream;
let trestle: Trestle;
let served: WsServed;
let gate: Gate;
const maxRequestBytes = 64 * 1024;

beforeAll(async () => {
  upstream = await startTestUpstream(async (req, res) => {
    if (req.url === "/slow") await gate.opened;
    sendJson(res, 200, { id: req.url.split("/")[2] ?? "slow" });
  });
  trestle = await createTestTrestle(schema(upstream.url), { limits: { maxRequestBytes } });
  served = await serveWithUpgrade(trestle);
});
afterAll(async () => {
  gate?.open();
  await served?.close();
  await upstream?.close();
});
beforeEach(() => {
  gate = createGate();
  upstream.requests.length = 0;
});

const url = () => `${served.ws}/graphql`;
const subscribe = (id: string, query: string) => ({ id, type: "subscribe", payload: { query } });

async function acknowledged(): Promise<RawSocket> {
  const raw = await openRaw(url());
  raw.send({ type: "connection_init" });
  expect(await raw.next()).toEqual({ type: "connection_ack" });
  return raw;
}

async function stillServed(): Promise<void> {
  expect((await runOnce(url(), `{ user(id: "ok") { id } }`)).results).toEqual([{ data: { user: { id: "ok" } } }]);
}

describe("W07: protocol faults close the socket with graphql-ws's codes", () => {
  const garbage: Array<[string, string | Buffer]> = [
    ["not JSON", "hello"],
    ["JSON, not a message", "[1,2,3]"],
    ["an unknown type", JSON.stringify({ type: "start", id: "1", payload: { query: "{ __typename }" } })],
    ["a subscribe without an id", JSON.stringify({ type: "subscribe", payload: { query: "{ __typename }" } })],
    ["a subscribe without a query", JSON.stringify({ type: "subscribe", id: "1", payload: { variables: {} } })],
    ["a binary frame", Buffer.from(JSON.stringify({ type: "ping" }))],
  ];
  for (const [name, frame] of garbage) {
    it(`${name}: 4400`, async () => {
      const raw = await acknowledged();
      raw.socket.send(frame);
      expect(await raw.closed).toEqual({ code: 4400, reason: "Invalid message received" });
      await stillServed();
    });
  }

  it("a subscribe before connection_init is acknowledged: 4401, nothing sent upstream", async () => {
    const raw = await openRaw(url());
    raw.send(subscribe("1", `{ user(id: "1") { id } }`));
    expect(await raw.closed).toEqual({ code: 4401, reason: "Unauthorized" });
    expect(upstream.requests).toEqual([]);
    await stillServed();
  });

  it("a second connection_init: 4429", async () => {
    const raw = await acknowledged();
    raw.send({ type: "connection_init" });
    expect(await raw.closed).toEqual({ code: 4429, reason: "Too many initialisation requests" });
    await stillServed();
  });

  it("a duplicate operation id while the first runs: 4409", async () => {
    const raw = await acknowledged();
    raw.send(subscribe("dup", `{ slow { id } }`));
    await upstream.waitForRequests(1);
    raw.send(subscribe("dup", `{ user(id: "2") { id } }`));
    expect(await raw.closed).toEqual({ code: 4409, reason: "Subscriber for dup already exists" });
    gate.open();
    await stillServed();
  });

  it("no connection_init within 3 s: 4408", async () => {
    const raw = await openRaw(url());
    expect(await raw.closed).toEqual({ code: 4408, reason: "Connection initialisation timeout" });
    await stillServed();
  });
});

describe("W08: one message is bounded by limits.maxRequestBytes", () => {
  it("a subscribe just under the limit runs; one past it closes the socket with 1009 before it is parsed", async () => {
    const padding = (bytes: number) => `{ user(id: "1") { id } } # ${"x".repeat(bytes)}`;
    const under = await acknowledged();
    under.send(subscribe("1", padding(maxRequestBytes - 200)));
    expect(await under.next()).toEqual({ id: "1", type: "next", payload: { data: { user: { id: "1" } } } });
    under.socket.close();

    const over = await acknowledged();
    over.send(subscribe("1", padding(maxRequestBytes)));
    expect((await over.closed).code).toBe(1009);
    await stillServed();
  });
});

describe("W09: one socket runs at most 100 operations at once", () => {
  it("the 101st running operation gets SUBSCRIPTION_LIMIT; the socket stays and serves again once they end", async () => {
    const client = openClient(url());
    try {
      const running = Array.from({ length: 100 }, () => run(client, `{ slow { id } }`));
      await upstream.waitForRequests(1);
      const refused = await run(client, `{ user(id: "101") { id } }`);
      expect(errorsOf(refused)).toEqual([
        {
          message: "A WebSocket connection runs at most 100 operations at once; complete one first",
          extensions: { code: "SUBSCRIPTION_LIMIT" },
        },
      ]);
      gate.open();
      const outcomes = await Promise.all(running);
      expect(outcomes.every((outcome) => outcome.error === undefined && outcome.results.length === 1)).toBe(true);
      expect((await run(client, `{ user(id: "102") { id } }`)).results).toEqual([{ data: { user: { id: "102" } } }]);
    } finally {
      await client.dispose();
    }
  });
});
