import { connect, type AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createServeServer, defaultServeTimeouts } from "../../src/cli/serve-command.js";
import type { Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { sendJson, startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";
import { rawRequest, sendRaw, serveTrestle, type TrestleServer } from "../passthrough/raw-http.js";

// The HTTP server `trestle serve` runs (createServeServer), attacked over raw sockets: case ids
// A10 and A21–A24 of docs/threat-model.md. fetch would
// normalise or refuse these requests, so they are written byte by byte (node:net). Every case:
// the documented status, the connection closed, no upstream call.
let upstream: TestUpstream;
let trestle: Trestle;
let served: TrestleServer;
let port: number;

/** Short timeouts, so that slowloris cases take a second, not 10 s; the defaults are checked apart. */
const timeouts = { headersTimeoutMs: 400, requestTimeoutMs: 900, checkIntervalMs: 100 };

beforeAll(async () => {
  upstream = await startTestUpstream((req, res) => sendJson(res, 200, { id: "1", name: "n", url: req.url }));
  trestle = await createTestTrestle(/* GraphQL */ `
    extend schema @upstream(name: "api", baseUrl: "${upstream.url}", passthrough: { methods: [GET, POST], paths: ["/**"] })
    type Query { user(id: ID!): User @rest(path: "/users/{args.id}") }
    type Mutation { rename(id: ID!): User @rest(method: POST, path: "/users/{args.id}") }
    type User { id: ID!, name: String }
  `);
  served = await serveTrestle(trestle, createServeServer(trestle, timeouts));
  port = served.port;
});
afterAll(async () => {
  await served.close();
  await trestle.close();
  await upstream.close();
});
beforeEach(() => {
  upstream.requests.length = 0;
});

const graphqlBody = JSON.stringify({ query: `{ user(id: "1") { id } }` });

async function graphqlOverFetch(): Promise<{ ms: number; status: number; body: unknown }> {
  const started = performance.now();
  const response = await fetch(`http://127.0.0.1:${port}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: graphqlBody });
  const body: unknown = await response.json();
  return { ms: performance.now() - started, status: response.status, body };
}

interface Trickle {
  /** What the server wrote before closing, as latin1 text. */
  answer: string;
  /** When the server closed the connection, in ms from the first byte sent. */
  closedAfterMs: number;
}

/** Sends `head` at once, then one `drip` every `everyMs` until the server closes the connection. */
function trickle(head: string, drip: string, everyMs: number): Promise<Trickle> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined;
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", (error: NodeJS.ErrnoException) => {
      // A reset after the server's answer is still an answer.
      if (error.code !== "ECONNRESET" && error.code !== "EPIPE") reject(error);
    });
    socket.on("close", () => {
      clearInterval(timer);
      resolve({ answer: Buffer.concat(chunks).toString("latin1"), closedAfterMs: performance.now() - started });
    });
    socket.write(head);
    timer = setInterval(() => {
      if (!socket.destroyed) socket.write(drip);
    }, everyMs);
  });
}

describe("A21/A22: slow clients are cut off by trestle serve's timeouts", () => {
  it("A21, A22: trestle serve gives a client 10 s for its headers and 30 s for its request, checked every second", () => {
    expect(defaultServeTimeouts).toEqual({ headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, checkIntervalMs: 1_000 });
    const real = createServeServer(trestle);
    expect([real.headersTimeout, real.requestTimeout]).toEqual([10_000, 30_000]);
  });

  it("A21: 50 slowloris sockets are closed with 408 at headersTimeout, and a query sent meanwhile is answered", async () => {
    const baseline = await graphqlOverFetch();
    expect(baseline.status).toBe(200);
    const attackers = Array.from({ length: 50 }, () => trickle("GET /graphql HTTP/1.1\r\nHost: trestle.test\r\n", "X-a: b\r\n", 50));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const during = [];
    for (let i = 0; i < 5; i++) during.push(await graphqlOverFetch());
    const closed = await Promise.all(attackers);
    for (const attacker of closed) {
      expect(attacker.answer).toMatch(/^HTTP\/1\.1 408 /);
      // headersTimeout (400 ms) plus one check interval (100 ms), with room for a busy machine.
      expect(attacker.closedAfterMs).toBeLessThan(3_000);
    }
    for (const answer of during) expect(answer).toMatchObject({ status: 200, body: { data: { user: { id: "1" } } } });
    const median = during.map((d) => d.ms).sort((a, b) => a - b)[2]!;
    expect(median).toBeLessThan(500);
    // The six legitimate queries, nothing from the attackers.
    expect(upstream.requests).toHaveLength(6);
  });

  it("A22: a GraphQL body sent one byte at a time is cut off at requestTimeout, and nothing runs", async () => {
    const head = `POST /graphql HTTP/1.1\r\nHost: trestle.test\r\nContent-Type: application/json\r\nContent-Length: ${graphqlBody.length}\r\n\r\n`;
    const slow = await trickle(head, "{", 100);
    expect(slow.answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(slow.closedAfterMs).toBeGreaterThanOrEqual(timeouts.requestTimeoutMs - 50);
    expect(slow.closedAfterMs).toBeLessThan(3_000);
    expect(upstream.requests).toHaveLength(0);
  });

  it("A22: so is a slow passthrough upload, before the upstream has the whole body", async () => {
    const head = "POST /rest/api/uploads HTTP/1.1\r\nHost: trestle.test\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n";
    const slow = await trickle(head, "x", 100);
    expect(slow.closedAfterMs).toBeLessThan(3_000);
    // Bodies up to 64 KiB are read whole before the upstream call: it never starts.
    expect(upstream.requests).toHaveLength(0);
  });
});

describe("a client that leaves in the middle of its body", () => {
  const partial = "POST /graphql HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"query\":";

  async function sendPartThenLeave(target: number): Promise<void> {
    await new Promise<void>((resolve) => {
      const socket = connect(target, "127.0.0.1");
      socket.on("error", () => undefined);
      socket.write(partial);
      setTimeout(() => {
        socket.destroy();
        resolve();
      }, 100);
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  it("A22: trestle serve's server survives it (no unhandled rejection) and keeps serving", async () => {
    await sendPartThenLeave(port);
    expect(await graphqlOverFetch()).toMatchObject({ status: 200, body: { data: { user: { id: "1" } } } });
    expect(upstream.requests).toHaveLength(1);
  });

  // A host that calls `void trestle.handle(req, res)` (the README's node:http example) must not
  // see a rejection when a client leaves mid-body: one half-sent POST must not end the process.
  it("A22: trestle.handle does not reject when the client leaves mid-body", async () => {
    const rejections: unknown[] = [];
    const { createServer } = await import("node:http");
    const plain = createServer((req, res) => {
      trestle.handle(req, res).catch((error: unknown) => rejections.push(error));
    });
    await new Promise<void>((resolve) => plain.listen(0, "127.0.0.1", resolve));
    await sendPartThenLeave((plain.address() as AddressInfo).port);
    plain.closeAllConnections();
    await new Promise((resolve) => plain.close(resolve));
    expect(rejections).toEqual([]);
  });
});

describe("A23: request smuggling shapes are refused by the HTTP parser", () => {
  const body = graphqlBody;
  it.each([
    ["Content-Length and Transfer-Encoding together", `POST /graphql HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`],
    ["CL + TE on a passthrough route", "POST /rest/api/x HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /rest/api/smuggled HTTP/1.1\r\nHost: t\r\n\r\n"],
    ["two different Content-Lengths", `POST /graphql HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nContent-Length: 2\r\n\r\n${body}`],
    ["Transfer-Encoding: xchunked", "POST /rest/api/x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n"],
    ["Transfer-Encoding: chunked, identity", "POST /rest/api/x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n"],
    ["bare LF line endings", "GET /rest/api/users/1 HTTP/1.1\nHost: t\nX-A: b\n\n"],
    ["a bare CR inside a header", "GET /rest/api/users/1 HTTP/1.1\r\nHost: t\rX-Admin: 1\r\n\r\n"],
    ["a space before the colon (Host :)", "GET /rest/api/users/1 HTTP/1.1\r\nHost : t\r\n\r\n"],
  ])("A23: %s → 400, connection closed, no upstream call", async (_name, request) => {
    const answer = await sendRaw(port, request);
    expect(answer.status).toBe(400);
    expect(upstream.requests).toHaveLength(0);
  });
});

describe("A10, A24: malformed framing and oversized requests", () => {
  it("A10: Content-Length: 1, 1 → 400 before any handler runs", async () => {
    const answer = await sendRaw(port, rawRequest("POST /graphql HTTP/1.1", { "Content-Type": "application/json", "Content-Length": "1, 1" }, "{"));
    expect(answer.status).toBe(400);
    expect(upstream.requests).toHaveLength(0);
  });

  it("A10: a chunked GraphQL body that grows past maxRequestBytes (1 MiB) → 413", async () => {
    const padded = JSON.stringify({ query: `{ user(id: "1") { id } }`, variables: { pad: "x".repeat(2 * 1024 * 1024) } });
    const chunked = `${padded.length.toString(16)}\r\n${padded}\r\n0\r\n\r\n`;
    const answer = await sendRaw(port, rawRequest("POST /graphql HTTP/1.1", { "Content-Type": "application/json", "Transfer-Encoding": "chunked" }, chunked));
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({ errors: [{ extensions: { code: "REQUEST_ENTITY_TOO_LARGE" } }] });
    expect(upstream.requests).toHaveLength(0);
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
    const response = await trestle.fetch(
      new Request("http://trestle.test/graphql", { method: "POST", headers: { "content-type": "application/json" }, body, duplex: "half" } as RequestInit),
    );
    expect(response.status).toBe(413);
    expect(upstream.requests).toHaveLength(0);
  });

  it("A24: one 20 KB header → 431", async () => {
    const answer = await sendRaw(port, rawRequest("GET /rest/api/users/1 HTTP/1.1", { "X-Big": "a".repeat(20_000) }));
    expect(answer.status).toBe(431);
    expect(upstream.requests).toHaveLength(0);
  });

  it("A24: 200 headers (about 20 KB in all) → 431", async () => {
    const headers = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`X-H${i}`, "v".repeat(90)]));
    const answer = await sendRaw(port, rawRequest("POST /graphql HTTP/1.1", { "Content-Type": "application/json", "Content-Length": String(graphqlBody.length), ...headers }, graphqlBody));
    expect(answer.status).toBe(431);
    expect(upstream.requests).toHaveLength(0);
  });

  it("keeps serving after every refusal", async () => {
    expect(await graphqlOverFetch()).toMatchObject({ status: 200, body: { data: { user: { id: "1" } } } });
  });
});
