import { once } from "node:events";
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A real upstream that answers every request after `delayMs`, and tracks its open connections. */
async function startSlowUpstream(delayMs: number) {
  const sockets = new Set<Socket>();
  let received = 0;
  const server = createServer((req, res) => {
    received++;
    setTimeout(() => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ id: req.url })), delayMs);
  });
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  const url = await listen(server);
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return { url, sockets, received: () => received };
}

async function listen(server: Server): Promise<string> {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** One POST without keep-alive (agent: false), so the client leaves no socket of its own behind. */
function postOnce(url: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: "POST", agent: false, headers: { "content-type": "application/json" } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

const resources = () => process.getActiveResourcesInfo().filter((name) => name !== "TTYWrap");

/** Resources open now that were not open before (by kind: sockets, servers, timers…). */
function added(before: string[]): string[] {
  const left = [...before];
  return resources().filter((name) => {
    const at = left.indexOf(name);
    if (at === -1) return true;
    left.splice(at, 1);
    return false;
  });
}

async function settle(check: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !check(); i++) await delay(10);
}

const slowSchema = (url: string) =>
  `extend schema @upstream(name: "api", baseUrl: "${url}") type Query { slow: Item @rest(path: "/slow") } type Item { id: String }`;

describe("close()", () => {
  it("waits for a request in flight through a host app (a real slow upstream), then leaves no open handles", async () => {
    const upstream = await startSlowUpstream(800);
    let trestle: Trestle | undefined;
    const host = createServer((req, res) => void trestle?.handle(req, res));
    const hostUrl = await listen(host);
    cleanups.push(() => new Promise((resolve) => host.close(resolve)));
    const before = resources();

    trestle = await createTestTrestle(slowSchema(upstream.url), { prefix: "/bff" });
    const answer = postOnce(`${hostUrl}/bff/graphql`, JSON.stringify({ query: "{ slow { id } }" }));
    await settle(() => upstream.received() === 1);
    let closed = false;
    const closing = trestle.close().then(() => (closed = true));
    await delay(100);
    expect(closed).toBe(false);
    expect(upstream.sockets.size).toBe(1);
    expect(added(before)).toContain("TCPSocketWrap"); // the measure sees what is open

    expect(await answer).toEqual({ status: 200, body: JSON.stringify({ data: { slow: { id: "/slow" } } }) });
    await closing;
    // The pool's keep-alive connection is closed, and nothing Trestle made is left running.
    await settle(() => upstream.sockets.size === 0 && added(before).length === 0);
    expect(upstream.sockets.size).toBe(0);
    expect(added(before)).toEqual([]);
  });

  it("F17: answers /readyz 503 while draining, and resolves at once when nothing is in flight", async () => {
    const upstream = await startSlowUpstream(500);
    const trestle = await createTestTrestle(slowSchema(upstream.url), { prefix: "/bff" });
    const request = () =>
      new Request("http://t.test/bff/graphql", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: "{ slow { id } }" }),
      });
    const inFlight = trestle.fetch(request());
    await settle(() => upstream.received() === 1);
    const closing = trestle.close();
    expect((await trestle.fetch(new Request("http://t.test/bff/readyz"))).status).toBe(503);
    expect(await (await inFlight).json()).toEqual({ data: { slow: { id: "/slow" } } });
    await closing;
    await settle(() => upstream.sockets.size === 0);
    expect(upstream.sockets.size).toBe(0);

    const idle = await createTestTrestle(slowSchema(upstream.url));
    await idle.close(); // nothing in flight: no wait
  });

  it("with an app-supplied fetch transport, opens no pool at all", async () => {
    const upstream = await startSlowUpstream(10);
    let calls = 0;
    const trestle = await createTestTrestle(slowSchema(upstream.url), {
      fetch: (url, init) => {
        calls++;
        return fetch(url, init);
      },
    });
    const response = await trestle.fetch(
      new Request("http://t.test/graphql", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: "{ slow { id } }" }),
      }),
    );
    expect(await response.json()).toEqual({ data: { slow: { id: "/slow" } } });
    await trestle.close();
    expect(calls).toBe(1);
  });
});
