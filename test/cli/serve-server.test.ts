import { createServer, type IncomingMessage, type Server } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { createServeServer, defaultServeTimeouts } from "../../src/cli/serve-command.js";
import { sendJson } from "../helpers/test-upstream.js";
import { useServedTrestle } from "../helpers/use-served-trestle.js";
import { rawRequest, sendRaw } from "../passthrough/raw-http.js";

// The HTTP server `trestle serve` runs (createServeServer), attacked over raw sockets: case ids
// A10 and A21–A24 of docs/threat-model.md. fetch would normalise or refuse these requests, so
// they are written byte by byte (node:net). Every case: the documented status, the connection
// closed, no upstream call. No case measures time: each waits for the server's answer or close.

/** Short timeouts, so that slowloris cases take a second, not 10 s; the defaults are checked apart. */
const timeouts = { headersTimeoutMs: 400, requestTimeoutMs: 900, checkIntervalMs: 100 };
/** The server `trestle serve` would run; kept to watch its requests arrive. */
let serveServer: Server;

const world = useServedTrestle({
  upstream: (req, res) => sendJson(res, 200, { id: "1", name: "n", url: req.url }),
  schema: (url) => /* GraphQL */ `
    extend schema @upstream(name: "api", baseUrl: "${url}", passthrough: { methods: [GET, POST], paths: ["/**"] })
    type Query { user(id: ID!): User @rest(path: "/users/{args.id}") }
    type Mutation { rename(id: ID!): User @rest(method: POST, path: "/users/{args.id}") }
    type User { id: ID!, name: String }
  `,
  server: (trestle) => (serveServer = createServeServer(trestle, timeouts)),
});

const graphqlBody = JSON.stringify({ query: `{ user(id: "1") { id } }` });

async function graphqlOverFetch(): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`http://127.0.0.1:${world.port}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: graphqlBody,
  });
  return { status: response.status, body: await response.json() };
}

interface Trickle {
  /** Resolves once the TCP connection is open and the head is written. */
  connected: Promise<void>;
  /** What the server wrote before closing, as latin1 text. */
  answer: Promise<string>;
}

/** Sends `head` at once, then one `drip` every `everyMs` until the server closes the connection. */
function trickle(head: string, drip: string, everyMs: number): Trickle {
  const socket = connect(world.port, "127.0.0.1");
  const connected = new Promise<void>((resolve) => socket.once("connect", () => socket.write(head, () => resolve())));
  const answer = new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined;
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", (error: NodeJS.ErrnoException) => {
      // A reset after the server's answer is still an answer.
      if (error.code !== "ECONNRESET" && error.code !== "EPIPE") reject(error);
    });
    socket.on("close", () => {
      clearInterval(timer);
      resolve(Buffer.concat(chunks).toString("latin1"));
    });
    timer = setInterval(() => {
      if (!socket.destroyed) socket.write(drip);
    }, everyMs);
  });
  return { connected, answer };
}

describe("A21/A22: slow clients are cut off by trestle serve's timeouts", () => {
  it("A21, A22: trestle serve gives a client 10 s for its headers and 30 s for its request, checked every second", () => {
    expect(defaultServeTimeouts).toEqual({ headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, checkIntervalMs: 1_000 });
    const real = createServeServer(world.trestle);
    expect([real.headersTimeout, real.requestTimeout]).toEqual([10_000, 30_000]);
  });

  it("A21: 50 slowloris sockets are closed with 408 at headersTimeout, and queries sent meanwhile are answered", async () => {
    const baseline = await graphqlOverFetch();
    expect(baseline.status).toBe(200);
    const attackers = Array.from({ length: 50 }, () => trickle("GET /graphql HTTP/1.1\r\nHost: trestle.test\r\n", "X-a: b\r\n", 50));
    await Promise.all(attackers.map((a) => a.connected));
    const during = [];
    for (let i = 0; i < 5; i++) during.push(await graphqlOverFetch());
    const closed = await Promise.all(attackers.map((a) => a.answer));
    // The test's own timeout bounds how long this may take; latency under attack is the benchmark's (L06).
    for (const answer of closed) expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    for (const answer of during) expect(answer).toMatchObject({ status: 200, body: { data: { user: { id: "1" } } } });
    // The six legitimate queries, nothing from the attackers.
    expect(world.upstream.requests).toHaveLength(6);
  });

  it("A22: a GraphQL body sent one byte at a time is cut off at requestTimeout, and nothing runs", async () => {
    const head = `POST /graphql HTTP/1.1\r\nHost: trestle.test\r\nContent-Type: application/json\r\nContent-Length: ${graphqlBody.length}\r\n\r\n`;
    // 408 is what requestTimeout answers; a body limit or parse error would be 413 or 400.
    expect(await trickle(head, "{", 100).answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(world.upstream.requests).toHaveLength(0);
  });

  it("A22: so is a slow passthrough upload, before the upstream has the whole body", async () => {
    const head = "POST /rest/api/uploads HTTP/1.1\r\nHost: trestle.test\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n";
    expect(await trickle(head, "x", 100).answer).toMatch(/^HTTP\/1\.1 408 /);
    // Bodies up to 64 KiB are read whole before the upstream call: it never starts.
    expect(world.upstream.requests).toHaveLength(0);
  });
});

describe("a client that leaves in the middle of its body", () => {
  const partial = 'POST /graphql HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"query":';

  /**
   * Sends half a body to `server` on `port`, leaves once the server has read some of it, and
   * resolves when the server has seen the connection close.
   */
  async function sendPartThenLeave(server: Server, port: number): Promise<void> {
    const arrived = new Promise<IncomingMessage>((resolve) =>
      server.once("request", (req: IncomingMessage) => req.once("data", () => resolve(req))),
    );
    const socket = connect(port, "127.0.0.1");
    socket.on("error", () => undefined);
    socket.write(partial);
    const req = await arrived;
    const closed = new Promise((resolve) => req.once("close", resolve));
    socket.destroy();
    await closed;
  }

  it("A22: trestle serve's server survives it (no unhandled rejection) and keeps serving", async () => {
    await sendPartThenLeave(serveServer, world.port);
    expect(await graphqlOverFetch()).toMatchObject({ status: 200, body: { data: { user: { id: "1" } } } });
    expect(world.upstream.requests).toHaveLength(1);
  });

  // A host that calls `void trestle.handle(req, res)` (the README's node:http example) must not
  // see a rejection when a client leaves mid-body: one half-sent POST must not end the process.
  it("A22: trestle.handle does not reject when the client leaves mid-body", async () => {
    const handled: Array<Promise<unknown>> = [];
    const plain = createServer((req, res) => void handled.push(world.trestle.handle(req, res)));
    await new Promise<void>((resolve) => plain.listen(0, "127.0.0.1", resolve));
    await sendPartThenLeave(plain, (plain.address() as AddressInfo).port);
    // Wait for handle itself to settle, rather than for some time.
    const outcomes = await Promise.allSettled(handled);
    plain.closeAllConnections();
    await new Promise((resolve) => plain.close(resolve));
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled"]);
  });
});

describe("A23: request smuggling shapes are refused by the HTTP parser", () => {
  const body = graphqlBody;
  it.each([
    [
      "Content-Length and Transfer-Encoding together",
      `POST /graphql HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
    ],
    [
      "CL + TE on a passthrough route",
      "POST /rest/api/x HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /rest/api/smuggled HTTP/1.1\r\nHost: t\r\n\r\n",
    ],
    [
      "two different Content-Lengths",
      `POST /graphql HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nContent-Length: 2\r\n\r\n${body}`,
    ],
    ["Transfer-Encoding: xchunked", "POST /rest/api/x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n"],
    [
      "Transfer-Encoding: chunked, identity",
      "POST /rest/api/x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n",
    ],
    ["bare LF line endings", "GET /rest/api/users/1 HTTP/1.1\nHost: t\nX-A: b\n\n"],
    ["a bare CR inside a header", "GET /rest/api/users/1 HTTP/1.1\r\nHost: t\rX-Admin: 1\r\n\r\n"],
    ["a space before the colon (Host :)", "GET /rest/api/users/1 HTTP/1.1\r\nHost : t\r\n\r\n"],
  ])("A23: %s → 400, connection closed, no upstream call", async (_name, request) => {
    const answer = await sendRaw(world.port, request);
    expect(answer.status).toBe(400);
    expect(world.upstream.requests).toHaveLength(0);
  });
});

describe("A10, A24: malformed framing and oversized requests", () => {
  it("A10: Content-Length: 1, 1 → 400 before any handler runs", async () => {
    const answer = await sendRaw(
      world.port,
      rawRequest("POST /graphql HTTP/1.1", { "Content-Type": "application/json", "Content-Length": "1, 1" }, "{"),
    );
    expect(answer.status).toBe(400);
    expect(world.upstream.requests).toHaveLength(0);
  });

  it("A10: a chunked GraphQL body that grows past maxRequestBytes (1 MiB) → 413", async () => {
    const padded = JSON.stringify({ query: `{ user(id: "1") { id } }`, variables: { pad: "x".repeat(2 * 1024 * 1024) } });
    const chunked = `${padded.length.toString(16)}\r\n${padded}\r\n0\r\n\r\n`;
    const answer = await sendRaw(
      world.port,
      rawRequest("POST /graphql HTTP/1.1", { "Content-Type": "application/json", "Transfer-Encoding": "chunked" }, chunked),
    );
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({ errors: [{ extensions: { code: "REQUEST_ENTITY_TOO_LARGE" } }] });
    expect(world.upstream.requests).toHaveLength(0);
  });

  it("A10: through trestle.fetch, a streamed body of unknown length past the limit → 413", async () => {
    const chunk = new TextEncoder().encode("x".repeat(64 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 40) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const response = await world.trestle.fetch(
      new Request("http://trestle.test/graphql", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
        duplex: "half",
      } as RequestInit),
    );
    expect(response.status).toBe(413);
    expect(world.upstream.requests).toHaveLength(0);
  });

  it("A24: one 20 KB header → 431", async () => {
    const answer = await sendRaw(world.port, rawRequest("GET /rest/api/users/1 HTTP/1.1", { "X-Big": "a".repeat(20_000) }));
    expect(answer.status).toBe(431);
    expect(world.upstream.requests).toHaveLength(0);
  });

  it("A24: 200 headers (about 20 KB in all) → 431", async () => {
    const headers = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`X-H${i}`, "v".repeat(90)]));
    const answer = await sendRaw(
      world.port,
      rawRequest(
        "POST /graphql HTTP/1.1",
        { "Content-Type": "application/json", "Content-Length": String(graphqlBody.length), ...headers },
        graphqlBody,
      ),
    );
    expect(answer.status).toBe(431);
    expect(world.upstream.requests).toHaveLength(0);
  });

  it("keeps serving after every refusal", async () => {
    expect(await graphqlOverFetch()).toMatchObject({ status: 200, body: { data: { user: { id: "1" } } } });
  });
});
