import { createServer } from "node:http";
import { connect } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { createServeLogger } from "../../src/logging/create-serve-logger.js";
import { createCacheTrestle, resetWorld, startCacheWorld, type CacheWorld } from "../cache/cache-fixture.js";
import { serveTrestle, type TrestleServer } from "../passthrough/raw-http.js";

// Issue 26 (cache hit path), CH03: a result-cache hit is written from a header list, not a copied
// object; the bytes on the wire (names, order, values, Content-Length of a non-ASCII body,
// Vary joined with the host's and the CORS policy's, Cache-Control re-dated) stay as before.

let world: CacheWorld;
let trestle: Trestle;
let server: TrestleServer;
let logged = "";
const logger = createServeLogger("info", {}, (text) => (logged += text));
if (typeof logger === "string") throw new Error(logger);

/** Sends one request over a fresh connection; the answer's head lines in order (Date left out) and its body. */
function exchange(request: string): Promise<{ head: string[]; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, "127.0.0.1");
    const chunks: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("close", () => {
      const bytes = Buffer.concat(chunks);
      const end = bytes.indexOf("\r\n\r\n");
      const head = bytes.subarray(0, end).toString("latin1").split("\r\n");
      resolve({ head: head.filter((line) => !line.startsWith("Date: ")), body: bytes.subarray(end + 4).toString("utf8") });
    });
    socket.write(request);
  });
}

const post = (body: string, headers: Record<string, string> = {}) =>
  [
    "POST /graphql HTTP/1.1",
    "Host: trestle.test",
    "Connection: close",
    "Content-Type: application/json",
    "Accept: application/graphql-response+json",
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    "",
    body,
  ].join("\r\n");

const itemQuery = JSON.stringify({ query: 'query Item { publicItem(id: "z") { id name } }' });
const name = "Zoë — 漢字 🙂";

beforeAll(async () => {
  world = await startCacheWorld();
});
afterAll(async () => {
  await world.upstream.close();
});
beforeEach(async () => {
  await server?.close();
  await trestle?.close();
  resetWorld(world);
  // A name with 2-, 3- and 4-byte UTF-8 characters: Content-Length counts bytes, not UTF-16 units.
  world.reply = (_req, res, serial) => {
    res.writeHead(200, { "content-type": "application/json", "cache-control": "max-age=30", date: world.clock.httpDate() });
    res.end(JSON.stringify({ id: "z", name, serial }));
  };
  trestle = await createCacheTrestle(world, {
    cache: { now: () => world.clock.now(), results: true },
    debug: false,
    cors: { origin: ["http://app.test"] },
    logger,
  });
  // A host that set its own Vary before Trestle answers.
  server = await serveTrestle(
    trestle,
    createServer((req, res) => {
      res.setHeader("vary", "Accept-Encoding");
      void trestle.handle(req, res);
    }),
  );
  logger.flush(); // lines of the test before
  logged = "";
});

describe("a result-cache hit on the wire", () => {
  it("CH03: the hit's head is the executed answer's, line for line; Content-Length counts UTF-8 bytes; Cache-Control is re-dated", async () => {
    const first = await exchange(post(itemQuery, { Origin: "http://app.test" }));
    world.clock.advance(10);
    const hit = await exchange(post(itemQuery, { Origin: "http://app.test" }));
    expect(world.calls("/v1/items/z")).toHaveLength(1);
    expect(hit.body).toBe(first.body);
    expect(JSON.parse(hit.body)).toEqual({ data: { publicItem: { id: "z", name } } });
    const expected = (maxAge: number) => [
      "HTTP/1.1 200 OK",
      "vary: Accept-Encoding, Origin",
      "content-type: application/graphql-response+json; charset=utf-8",
      `cache-control: public, max-age=${maxAge}`,
      "access-control-allow-origin: http://app.test",
      "access-control-expose-headers: Cache-Status",
      `content-length: ${Buffer.byteLength(first.body)}`,
      "Connection: close",
    ];
    expect(Buffer.byteLength(first.body)).toBeGreaterThan(first.body.length);
    expect(first.head).toEqual(expected(30));
    expect(hit.head).toEqual(expected(20));
  });

  it("CH03: an Origin the policy refuses, an odd request id, a query that is not JSON: clear answers, one valid log line each, and the next client is still served from the cache", async () => {
    await exchange(post(itemQuery));
    const refused = await exchange(post(itemQuery, { Origin: "http://evil.test", "X-Request-Id": '"},{"level":60,"msg":"x' }));
    expect(refused.head).not.toContainEqual(expect.stringMatching(/^access-control-allow-origin/i));
    expect(refused.head).toContain("vary: Accept-Encoding, Origin");
    const broken = await exchange(post('{"query": "{ publicItem(id: \\"z\\") { id } ', { "X-Request-Id": "req-1" }));
    expect(broken.head[0]).toBe("HTTP/1.1 400 Bad Request");
    expect(broken.body).toContain("invalid JSON");
    const fine = await exchange(post(itemQuery, { "X-Request-Id": "req-2" }));
    expect(JSON.parse(fine.body)).toEqual({ data: { publicItem: { id: "z", name } } });
    expect(fine.head).toContain(`content-length: ${Buffer.byteLength(fine.body)}`);
    expect(world.calls("/v1/items/z")).toHaveLength(1);

    logger.flush();
    const lines = logged
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map((line) => [line["status"], line["requestId"], line["msg"]])).toEqual([
      [200, undefined, "request completed"],
      [200, undefined, "request completed"],
      [400, "req-1", "request completed"],
      [200, "req-2", "request completed"],
    ]);
    for (const line of lines) expect(Object.keys(line).slice(0, 6)).toEqual(["level", "time", "pid", "hostname", "method", "route"]);
  });
});
