import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { bufferedUploadBytes } from "../../src/upstream/buffer-upload.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { query } from "../helpers/graphql.js";
import { sendJson, startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";
import { serveTrestle, type TrestleServer } from "../passthrough/raw-http.js";

// S07: a passthrough request body that streams used to take an upstream connection at its
// first byte and keep it until the server's request timeout: a few stalled uploads starved
// the upstream for everyone. Now a body is read up to a bound before any connection is taken,
// a longer one takes at most half the connections, and every silence is bounded (408).

let upstream: TestUpstream;
let trestle: Trestle;
let server: TrestleServer;

beforeAll(async () => {
  upstream = await startTestUpstream((req, res) => sendJson(res, 200, { url: req.url, bytes: req.body.length }));
  trestle = await createTestTrestle(/* GraphQL */ `
    extend schema @upstream(name: "api", baseUrl: "${upstream.url}", maxConcurrency: 2, timeoutMs: 1000, retry: { attempts: 0 },
      passthrough: { methods: [GET, POST, PUT], paths: ["/**"], maxRequestBytes: 10485760 })
    type Query { item: Item @rest(path: "/items/1") }
    type Item { url: String }
  `);
  server = await serveTrestle(trestle);
});
afterAll(async () => {
  await server.close();
  await trestle.close();
  await upstream.close();
});

/** Every stalled upload's socket. */
const sockets: Socket[] = [];

interface Answer {
  status: number;
  body: string;
}

/** Sends a request head and the start of a body, then nothing; resolves with the answer once it is complete. */
function stalledUpload(port: number, head: Record<string, string>, sent: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    sockets.push(socket);
    let received = Buffer.alloc(0);
    socket.on("error", reject);
    socket.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const text = received.toString("latin1");
      const headEnd = text.indexOf("\r\n\r\n");
      const length = /\r\ncontent-length: (\d+)/i.exec(text)?.[1];
      if (headEnd === -1 || length === undefined || received.length < headEnd + 4 + Number(length)) return;
      resolve({ status: Number(text.split(" ")[1]), body: text.slice(headEnd + 4, headEnd + 4 + Number(length)) });
    });
    // The answer arrives, then the connection closes: the rest of a stalled body is never read.
    socket.on("close", () => resolve({ status: 0, body: "" }));
    const lines = [
      "POST /rest/api/uploads HTTP/1.1",
      "Host: trestle.test",
      "Content-Type: application/octet-stream",
      ...Object.entries(head).map(([n, v]) => `${n}: ${v}`),
    ];
    socket.write(`${lines.join("\r\n")}\r\n\r\n`);
    socket.write(sent);
  });
}

describe("S07: stalled passthrough uploads", () => {
  it("S07: 12 stalled uploads (chunked, small and large Content-Length, one past the buffer) never starve a maxConcurrency 2 upstream, and each ends with 408", async () => {
    const stalled = [
      ...Array.from({ length: 4 }, () => stalledUpload(server.port, { "Transfer-Encoding": "chunked" }, Buffer.from("5\r\nhello\r\n"))),
      ...Array.from({ length: 4 }, () => stalledUpload(server.port, { "Content-Length": "1000" }, Buffer.from("a few bytes"))),
      ...Array.from({ length: 3 }, () => stalledUpload(server.port, { "Content-Length": "500000" }, Buffer.alloc(1000, 0x61))),
      // Past the buffer: this one takes a connection (one of the upload half), then stalls.
      stalledUpload(server.port, { "Content-Length": "2000000" }, Buffer.alloc(bufferedUploadBytes + 10_000, 0x62)),
    ];
    // Normal users, while the uploads hang: a GraphQL query, a passthrough GET, a small POST.
    for (let i = 0; i < 3; i++) {
      expect((await query(trestle, `{ item { url } }`)).data).toEqual({ item: { url: "/items/1" } });
      const get = await fetch(`${server.url}/rest/api/models/${i}`);
      expect([get.status, await get.json()]).toEqual([200, { url: `/models/${i}`, bytes: 0 }]);
      const post = await fetch(`${server.url}/rest/api/small`, { method: "POST", body: "x".repeat(100) });
      expect([post.status, await post.json()]).toEqual([200, { url: "/small", bytes: 100 }]);
    }
    const answers = await Promise.all(stalled);
    // Each socket was closed by Trestle after its answer (the test never closes them).
    await Promise.all(sockets.map((socket) => (socket.closed ? undefined : new Promise((resolve) => socket.once("close", resolve)))));
    for (const answer of answers) {
      expect(answer.status).toBe(408);
      expect(JSON.parse(answer.body)).toMatchObject({
        type: "https://trestle.dev/problems/request-timeout",
        status: 408,
        code: "REQUEST_TIMEOUT",
        detail: 'The request body sent nothing for 1000 ms (the timeoutMs of upstream "api"); the request was abandoned.',
      });
    }
    // No stalled upload reached the upstream whole; the normal calls all did.
    expect(upstream.requests.map((r) => r.url).sort()).toEqual([
      "/items/1",
      "/items/1",
      "/items/1",
      "/models/0",
      "/models/1",
      "/models/2",
      "/small",
      "/small",
      "/small",
    ]);
    expect((await query(trestle, `{ item { url } }`)).data).toEqual({ item: { url: "/items/1" } });
  });

  it("S07: a large upload that keeps flowing is sent whole, chunked or with its length; a stalled fetch body ends with 408 too", async () => {
    upstream.requests.length = 0;
    const size = bufferedUploadBytes * 3;
    const put = await fetch(`${server.url}/rest/api/big`, { method: "PUT", body: Buffer.alloc(size, 0x63) });
    expect([put.status, await put.json()]).toEqual([200, { url: "/big", bytes: size }]);
    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 3; i++) controller.enqueue(new Uint8Array(bufferedUploadBytes).fill(0x64));
        controller.close();
      },
    });
    const streamed = await trestle.fetch(
      new Request("http://trestle.test/rest/api/streamed", { method: "POST", body: chunked, duplex: "half" } as RequestInit),
    );
    expect([streamed.status, await streamed.json()]).toEqual([200, { url: "/streamed", bytes: size }]);
    expect(upstream.requests[1]?.headers["transfer-encoding"]).toBe("chunked");

    const stalledBody = new ReadableStream<Uint8Array>({ start: (controller) => controller.enqueue(new TextEncoder().encode("start")) });
    const stalled = await trestle.fetch(
      new Request("http://trestle.test/rest/api/stalled", { method: "POST", body: stalledBody, duplex: "half" } as RequestInit),
    );
    expect([stalled.status, ((await stalled.json()) as { code: string }).code]).toEqual([408, "REQUEST_TIMEOUT"]);
    expect(upstream.requests.map((r) => r.url)).toEqual(["/big", "/streamed"]);
  });
});
