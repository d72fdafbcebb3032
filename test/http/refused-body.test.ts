import { once } from "node:events";
import { createServer, request as httpRequest } from "node:http";
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";
import { serveTrestle, type TrestleServer } from "../passthrough/raw-http.js";

// A body over the limit is refused with 413 before it has all arrived. If the server then
// closes at once, the bytes still coming make the kernel reset the connection, and the reset
// can reach the client before it has read the 413 (ECONNRESET/EPIPE instead of the answer).
// Trestle closes lingering: FIN after the answer, the rest read and thrown away up to a bound.
let upstream: TestUpstream;
let trestle: Trestle;
let server: TrestleServer;
/** Server-side sockets, to see when Trestle lets go of a connection. */
const sockets: Socket[] = [];

beforeAll(async () => {
  upstream = await startTestUpstream((req, res) => res.end(`got ${req.body.length}`));
  trestle = await createTestTrestle(/* GraphQL */ `
    extend schema @upstream(name: "api", baseUrl: "${upstream.url}", passthrough: { paths: ["/upload"], methods: [POST], maxRequestBytes: 1048576 })
    type Query { a: Int }
  `);
  const node = createServer((req, res) => void trestle.handle(req, res));
  node.on("connection", (socket) => sockets.push(socket));
  server = await serveTrestle(trestle, node);
});
afterAll(async () => {
  await server.close();
  await trestle.close();
  await upstream.close();
});

const MB = 1_000_000;
const routes = {
  "GraphQL fast lane": { path: "/graphql", type: "application/json" },
  "GraphQL through yoga": { path: "/graphql", type: "application/graphql" },
  passthrough: { path: "/rest/api/upload", type: "application/octet-stream" },
} as const;
type Route = keyof typeof routes;
interface Body {
  size: number;
  chunked: boolean;
}
const bodies: Array<[string, Body]> = [
  ["2 MB with Content-Length", { size: 2 * MB, chunked: false }],
  ["10 MB with Content-Length", { size: 10 * MB, chunked: false }],
  ["2 MB chunked", { size: 2 * MB, chunked: true }],
  ["10 MB chunked", { size: 10 * MB, chunked: true }],
];
const payload = Buffer.alloc(10 * MB, "x");
const piece = 64 * 1024;

/** Raw socket: writes everything as fast as the socket takes it; the answer is what was read before it closed. */
function sendRaw(route: Route, body: Body): Promise<string> {
  const { path, type } = routes[route];
  return new Promise((resolve) => {
    const socket = connect(server.port, "127.0.0.1");
    const read: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => read.push(chunk));
    const settle = (error?: NodeJS.ErrnoException) =>
      resolve(Buffer.concat(read).toString("latin1").split(" ")[1] ?? `nothing read (${error?.code ?? "closed"})`);
    socket.on("error", settle);
    socket.on("close", () => settle());
    socket.write(
      `POST ${path} HTTP/1.1\r\nHost: t\r\nContent-Type: ${type}\r\n${body.chunked ? "Transfer-Encoding: chunked" : `Content-Length: ${body.size}`}\r\n\r\n`,
    );
    for (let at = 0; at < body.size; at += piece) {
      const part = payload.subarray(at, Math.min(at + piece, body.size));
      socket.write(body.chunked ? Buffer.concat([Buffer.from(`${part.length.toString(16)}\r\n`), part, Buffer.from("\r\n")]) : part);
    }
    if (body.chunked) socket.write("0\r\n\r\n");
  });
}

/** Node's http client: the status, once the answer was read whole; an error before that is the failure. */
function sendNode(route: Route, body: Body): Promise<string> {
  const { path, type } = routes[route];
  return new Promise((resolve) => {
    const headers: Record<string, string> = { "content-type": type };
    if (!body.chunked) headers["content-length"] = String(body.size);
    let answered = false;
    const req = httpRequest({ host: "127.0.0.1", port: server.port, path, method: "POST", headers, agent: false }, (res) => {
      res.resume();
      res.on("end", () => {
        answered = true;
        resolve(String(res.statusCode));
      });
    });
    // A write that fails after the answer was read (the server stopped reading) is no failure.
    req.on("error", (error: NodeJS.ErrnoException) => answered || resolve(`error before the answer: ${error.code}`));
    if (body.chunked) {
      for (let at = 0; at < body.size; at += piece) req.write(payload.subarray(at, Math.min(at + piece, body.size)));
      req.end();
    } else req.end(payload.subarray(0, body.size));
  });
}

/** Node's fetch (undici), which saw ECONNRESET for one 413 in three before. */
async function sendFetch(route: Route, body: Body): Promise<string> {
  const { path, type } = routes[route];
  const bytes = payload.subarray(0, body.size);
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let at = 0; at < body.size; at += piece) controller.enqueue(bytes.subarray(at, at + piece));
      controller.close();
    },
  });
  try {
    const response = await fetch(`${server.url}${path}`, {
      method: "POST",
      headers: { "content-type": type },
      body: body.chunked ? stream : bytes,
      duplex: "half",
    } as RequestInit);
    await response.text();
    return String(response.status);
  } catch (error) {
    return `error before the answer: ${String((error as { cause?: { code?: string } }).cause?.code ?? error)}`;
  }
}

const clients = { "raw socket": sendRaw, "node:http client": sendNode, fetch: sendFetch } as const;

describe("S10: a refused body's 413 is always read", () => {
  for (const route of Object.keys(routes) as Route[]) {
    for (const [client, send] of Object.entries(clients)) {
      it.each(bodies)(`S10: ${route}, ${client}: %s, 12 times, 4 at once → 413 every time`, async (_name, body) => {
        const answers: string[] = [];
        for (let round = 0; round < 3; round++) answers.push(...(await Promise.all([1, 2, 3, 4].map(() => send(route, body)))));
        expect(answers).toEqual(Array(12).fill("413"));
        // The next user, on a new connection, is served.
        const served = await fetch(`${server.url}${routes[route].path}`, {
          method: "POST",
          headers: { "content-type": routes[route].type },
          body: route === "GraphQL fast lane" ? `{"query":"{ a }"}` : route === "passthrough" ? "hello" : "{ a }",
        });
        expect([served.status, await served.text()]).toEqual([200, route === "passthrough" ? "got 5" : `{"data":{"a":null}}`]);
      });
    }
  }
});

describe("S10: lingering is bounded", () => {
  it("S10: an endless chunked body is cut after a few MiB more, its 413 read first", async () => {
    const socket = connect(server.port, "127.0.0.1");
    const read: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => read.push(chunk));
    const closed = new Promise<void>((resolve) => {
      socket.on("error", () => resolve());
      socket.on("close", () => resolve());
    });
    await once(socket, "connect");
    socket.write("POST /graphql HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
    const chunk = Buffer.concat([Buffer.from(`${piece.toString(16)}\r\n`), payload.subarray(0, piece), Buffer.from("\r\n")]);
    let sent = 0;
    let open = true;
    void closed.then(() => (open = false));
    // Sends for as long as the server reads, up to 256 MB: without a bound it would read it all.
    while (open && sent < 256 * MB) {
      sent += piece;
      if (!socket.write(chunk)) await Promise.race([once(socket, "drain"), closed]);
    }
    await closed;
    expect(Buffer.concat(read).toString("latin1").split(" ")[1]).toBe("413");
    expect(sent).toBeLessThan(64 * MB);
  });

  it("S10: a client that stops sending mid-body is let go after the linger time", async () => {
    const before = sockets.length;
    const socket = connect({ port: server.port, host: "127.0.0.1", allowHalfOpen: true });
    const read: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => read.push(chunk));
    socket.on("error", () => undefined);
    await once(socket, "connect");
    socket.write(`POST /graphql HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`);
    socket.write(Buffer.concat([Buffer.from(`${(2 * MB).toString(16)}\r\n`), payload.subarray(0, 2 * MB)]));
    // The server half-closes after its answer; this client keeps its side open and sends nothing more.
    await once(socket, "end");
    expect(Buffer.concat(read).toString("latin1").split(" ")[1]).toBe("413");
    const held = sockets[before]!;
    if (!held.destroyed) await once(held, "close");
    expect(held.destroyed).toBe(true);
    socket.destroy();
  }, 15_000);
});

describe("S10: trestle.fetch stops reading a body at the limit", () => {
  it("S10: a streamed body of unknown length is read no further than the cap (1 MiB)", async () => {
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulled++ < 160) controller.enqueue(payload.subarray(0, piece));
        else controller.close();
      },
    });
    const response = await trestle.fetch(
      new Request("http://trestle.test/graphql", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
        duplex: "half",
      } as RequestInit),
    );
    expect(response.status).toBe(413);
    // 16 pieces of 64 KiB make the cap; a few more may be buffered, not the 10 MB offered.
    expect(pulled).toBeLessThan(24);
  });
});
