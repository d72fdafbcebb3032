import { once } from "node:events";
import { createServer, request as httpRequest, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { serveNodeRequest, type FetchHandler, type NodeRequest } from "../../src/http/serve-node-request.js";

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

/** The Request the handler saw, as data. */
const echo: FetchHandler = async (request) =>
  Response.json({ method: request.method, url: request.url, headers: Object.fromEntries(request.headers), body: await request.text() });

/** Serves `handler` behind a "framework" step that may read the body first (`parse`), as body parsers do. */
async function serve(handler: FetchHandler, parse?: (req: NodeRequest, raw: Buffer) => void, mount?: string): Promise<string> {
  server = createServer(async (req: NodeRequest, res) => {
    if (parse) {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      parse(req, Buffer.concat(chunks));
    }
    if (mount !== undefined) {
      req.originalUrl = req.url ?? "/";
      req.url = req.originalUrl.slice(mount.length) || "/"; // what Express does under app.use(mount, …)
    }
    await serveNodeRequest(handler, req, res, { host: { req, res } });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const send = (url: string, body: string, type: string) =>
  fetch(url, { method: "POST", headers: { "content-type": type }, body }).then(
    (r) => r.json() as Promise<{ method: string; url: string; headers: Record<string, string>; body: string }>,
  );

describe("serveNodeRequest: bodies", () => {
  it("streams a body nobody read, byte for byte", async () => {
    const url = await serve(echo);
    const seen = await send(`${url}/x`, `{ "a" : 1 }`, "application/json");
    expect([seen.method, seen.body, seen.headers["content-type"]]).toEqual(["POST", `{ "a" : 1 }`, "application/json"]);
  });

  it.each([
    [
      "a parsed JSON object",
      (req: NodeRequest, raw: Buffer) => (req.body = JSON.parse(raw.toString())),
      "application/json",
      `{ "a" : 1 }`,
      `{"a":1}`,
      "application/json",
    ],
    [
      "a parsed form",
      (req: NodeRequest, raw: Buffer) => (req.body = Object.fromEntries(new URLSearchParams(raw.toString()))),
      "application/x-www-form-urlencoded",
      "a=1&b=x+y",
      "a=1&b=x+y",
      "application/x-www-form-urlencoded",
    ],
    [
      "an object under a non-JSON type",
      (req: NodeRequest) => (req.body = { a: [1] }),
      "application/x-custom",
      "whatever",
      `{"a":[1]}`,
      "application/json",
    ],
    ["a string", (req: NodeRequest, raw: Buffer) => (req.body = raw.toString()), "text/plain", "plain text", "plain text", "text/plain"],
    [
      "a Buffer",
      (req: NodeRequest, raw: Buffer) => (req.body = raw),
      "application/octet-stream",
      "raw bytes",
      "raw bytes",
      "application/octet-stream",
    ],
  ])("re-serialises %s that a framework already read", async (_what, parse, type, sent, expected, expectedType) => {
    const url = await serve(echo, parse);
    const seen = await send(`${url}/x`, sent, type);
    // The client's Content-Length described the bytes it sent, not these: it is dropped.
    expect([seen.body, seen.headers["content-type"], seen.headers["content-length"]]).toEqual([expected, expectedType, undefined]);
  });

  it("sends an empty body when a framework read the stream and kept nothing", async () => {
    const url = await serve(echo, () => undefined);
    expect((await send(`${url}/x`, "lost", "application/json")).body).toBe("");
  });
});

describe("serveNodeRequest: the request and the answer", () => {
  it("builds the URL from originalUrl, so an Express-style mount path still counts", async () => {
    const url = await serve(echo, undefined, "/bff");
    expect((await send(`${url}/bff/graphql?x=1`, "{}", "application/json")).url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/bff\/graphql\?x=1$/);
  });

  it("writes status, every Set-Cookie and a streamed body", async () => {
    const url = await serve(async () => {
      const headers = new Headers({ "content-type": "text/plain" });
      headers.append("set-cookie", "a=1");
      headers.append("set-cookie", "b=2");
      const body = new ReadableStream({
        start: (c) => (c.enqueue(new TextEncoder().encode("part 1, ")), c.enqueue(new TextEncoder().encode("part 2")), c.close()),
      });
      return new Response(body, { status: 201, headers });
    });
    const res = await new Promise<IncomingMessage>((resolve) => httpRequest(url, resolve).end());
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    expect([res.statusCode, res.statusMessage, res.headers["set-cookie"], Buffer.concat(chunks).toString()]).toEqual([
      201,
      "Created",
      ["a=1", "b=2"],
      "part 1, part 2",
    ]);
  });

  it("aborts the request's signal when the client goes away", async () => {
    let aborted: () => void = () => undefined;
    const wasAborted = new Promise<void>((resolve) => (aborted = resolve));
    const url = await serve(async (request) => {
      request.signal.addEventListener("abort", () => aborted());
      return new Promise<Response>(() => undefined);
    });
    const req = httpRequest(url);
    req.on("error", () => undefined);
    req.end();
    setTimeout(() => req.destroy(), 50);
    await wasAborted;
  });

  it("answers 500 when the handler throws before answering", async () => {
    const url = await serve(async () => {
      throw new Error("boom");
    });
    const response = await fetch(url);
    expect([response.status, await response.text()]).toEqual([500, "Internal Server Error"]);
  });
});
