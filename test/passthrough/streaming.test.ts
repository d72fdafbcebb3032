import { createHash } from "node:crypto";
import { createServer, request as httpRequest, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as delay } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { until } from "../helpers/gate.js";
import { serveTrestle, type TrestleServer } from "./raw-http.js";

/**
 * A streaming upstream: it notes when an upload's first bytes arrive and when each streamed
 * answer has ended, so tests can show that nothing waited for a whole body.
 */
interface StreamingUpstream {
  url: string;
  firstUploadBytes: Promise<void>;
  resetUpload(): void;
  /** Whether the last streamed answer has been fully written. */
  streamEnded: boolean;
  /** Whether the last streamed answer's connection closed before it was fully written. */
  streamAborted: boolean;
  close(): Promise<void>;
}

const MB = 1024 * 1024;
const events = ["data: tok-1", "data: tok-2", "data: tok-3", "data: [DONE]"];

async function startStreamingUpstream(): Promise<StreamingUpstream> {
  let markFirst: () => void = () => undefined;
  const state: StreamingUpstream = {
    url: "",
    firstUploadBytes: Promise.resolve(),
    resetUpload: () => {
      state.firstUploadBytes = new Promise((resolve) => (markFirst = resolve));
    },
    streamEnded: false,
    streamAborted: false,
    close: async () => undefined,
  };
  const server: Server = createServer((req: IncomingMessage, res) => {
    const path = (req.url ?? "").split("?")[0];
    if (path === "/ai/upload") {
      const hash = createHash("sha256");
      let bytes = 0;
      req.on("data", (chunk: Buffer) => {
        if (bytes === 0) markFirst();
        bytes += chunk.length;
        hash.update(chunk);
      });
      req.on("end", () => {
        res.writeHead(201, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            bytes,
            sha256: hash.digest("hex"),
            length: req.headers["content-length"] ?? null,
            chunked: req.headers["transfer-encoding"] ?? null,
          }),
        );
      });
      return;
    }
    req.resume();
    req.on("end", async () => {
      if (path === "/ai/events" || path === "/ai/generate") {
        state.streamEnded = false;
        state.streamAborted = false;
        res.on("close", () => (state.streamAborted = !res.writableFinished));
        res.writeHead(
          200,
          path === "/ai/events" ? { "content-type": "text/event-stream", "cache-control": "no-cache" } : { "content-type": "text/plain" },
        );
        for (const event of events) {
          if (res.destroyed) return;
          res.write(`${event}\n\n`);
          await delay(150);
        }
        state.streamEnded = true;
        res.end();
      } else if (path === "/ai/artifact") {
        res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(6 * MB) });
        for (let i = 0; i < 6; i++) res.write(Buffer.alloc(MB, i));
        res.end();
      } else res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}

let upstream: StreamingUpstream;
let trestle: Trestle;
let server: TrestleServer;

beforeAll(async () => {
  upstream = await startStreamingUpstream();
  trestle = await createTestTrestle(
    `extend schema @upstream(name: "ai", baseUrl: "${upstream.url}/ai", timeoutMs: 2000,
       passthrough: { methods: [GET, POST], paths: ["/**"], maxRequestBytes: ${16 * MB} })
     type Query { a: Int }`,
  );
  server = await serveTrestle(trestle);
});
afterAll(async () => {
  await server.close();
  await trestle.close();
  await upstream.close();
});

function sha256(buffers: Buffer[]): string {
  const hash = createHash("sha256");
  for (const buffer of buffers) hash.update(buffer);
  return hash.digest("hex");
}

const uploadChunks = Array.from({ length: 8 }, (_, i) => Buffer.alloc(MB, i + 1));

describe("request bodies stream upstream", () => {
  it("through trestle.handle: an 8 MB chunked upload reaches the upstream before the client has finished sending", async () => {
    upstream.resetUpload();
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(
        `${server.url}/rest/ai/upload`,
        { method: "POST", headers: { "content-type": "application/octet-stream" } },
        (res) => {
          let text = "";
          res.on("data", (chunk: Buffer) => (text += chunk.toString()));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on("error", reject);
      req.write(uploadChunks[0]);
      // The rest is only sent once the upstream has seen the first bytes: a buffering proxy would wait forever.
      void upstream.firstUploadBytes.then(() => {
        for (const chunk of uploadChunks.slice(1)) req.write(chunk);
        req.end();
      });
    });
    const { status, body } = await answer;
    expect(status).toBe(201);
    expect(JSON.parse(body)).toEqual({ bytes: 8 * MB, sha256: sha256(uploadChunks), length: null, chunked: "chunked" });
  });

  it("through trestle.fetch: a streamed Request body reaches the upstream before it is complete", async () => {
    upstream.resetUpload();
    let next = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (next === 1) await upstream.firstUploadBytes;
        const chunk = uploadChunks[next++];
        if (chunk === undefined) controller.close();
        else controller.enqueue(chunk);
      },
    });
    const response = await trestle.fetch(
      new Request("http://trestle.test/rest/ai/upload", { method: "POST", body, duplex: "half" } as RequestInit),
    );
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({ bytes: 8 * MB, sha256: sha256(uploadChunks) });
  });

  it("keeps a valid Content-Length", async () => {
    const payload = Buffer.alloc(3 * MB, 7);
    const response = await fetch(`${server.url}/rest/ai/upload`, { method: "POST", body: payload });
    expect(await response.json()).toEqual({ bytes: 3 * MB, sha256: sha256([payload]), length: String(3 * MB), chunked: null });
  });
});

describe("answers stream to the client", () => {
  async function readFirstChunk(response: Response): Promise<{ first: string; endedAtFirst: boolean; rest: string }> {
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    const { value } = await reader.read();
    const endedAtFirst = upstream.streamEnded;
    let rest = "";
    for (;;) {
      const next = await reader.read();
      if (next.done) break;
      rest += decoder.decode(next.value, { stream: true });
    }
    return { first: decoder.decode(value), endedAtFirst, rest };
  }

  it.each([
    ["trestle.handle", "GET"],
    ["trestle.handle", "POST"],
    ["trestle.fetch", "GET"],
    ["trestle.fetch", "POST"],
  ])("server-sent events through %s (%s): the first event arrives before the upstream has finished", async (via, method) => {
    const init: RequestInit = { method, headers: { accept: "text/event-stream" } };
    if (method === "POST") init.body = '{"prompt":"hi"}';
    const response =
      via === "trestle.fetch"
        ? await trestle.fetch(new Request("http://trestle.test/rest/ai/events", init))
        : await fetch(`${server.url}/rest/ai/events`, init);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    expect(response.headers.get("content-length")).toBeNull();
    const { first, endedAtFirst, rest } = await readFirstChunk(response);
    expect(first).toBe("data: tok-1\n\n");
    expect(endedAtFirst).toBe(false);
    expect(first + rest).toBe(events.map((event) => `${event}\n\n`).join(""));
    expect(upstream.streamEnded).toBe(true);
  });

  it("a chunked inference answer passes token by token", async () => {
    const response = await fetch(`${server.url}/rest/ai/generate`, { method: "POST", body: "{}" });
    const { first, endedAtFirst } = await readFirstChunk(response);
    expect([first, endedAtFirst]).toEqual(["data: tok-1\n\n", false]);
  });

  it.each(["trestle.handle", "trestle.fetch"])("a 6 MB download arrives whole through %s", async (via) => {
    const response =
      via === "trestle.fetch"
        ? await trestle.fetch(new Request("http://trestle.test/rest/ai/artifact"))
        : await fetch(`${server.url}/rest/ai/artifact`);
    const bytes = Buffer.from(await response.arrayBuffer());
    expect(bytes.length).toBe(6 * MB);
    expect(sha256([bytes])).toBe(sha256(Array.from({ length: 6 }, (_, i) => Buffer.alloc(MB, i))));
  });
});

describe("a client that goes away", () => {
  it.each(["trestle.handle", "trestle.fetch"])("F15: mid-stream, through %s, aborts the upstream call", async (via) => {
    const controller = new AbortController();
    const init = { method: "POST", body: "{}", signal: controller.signal };
    const response =
      via === "trestle.fetch"
        ? await trestle.fetch(new Request("http://trestle.test/rest/ai/events", init))
        : await fetch(`${server.url}/rest/ai/events`, init);
    const reader = response.body!.getReader();
    await reader.read();
    if (via === "trestle.fetch") await reader.cancel();
    else controller.abort();
    await until(() => upstream.streamAborted || upstream.streamEnded, "the upstream call to be aborted, or to end");
    expect([upstream.streamAborted, upstream.streamEnded]).toEqual([true, false]);
  });
});

describe("a Response cancelled before it was read", () => {
  it("F15: through trestle.fetch, aborts the upstream call and raises nothing uncaught", async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on("uncaughtException", onUncaught);
    try {
      const response = await trestle.fetch(new Request("http://trestle.test/rest/ai/events", { method: "POST", body: "{}" }));
      await response.body!.cancel();
      await until(() => upstream.streamAborted || upstream.streamEnded, "the upstream call to be aborted, or to end");
      expect([upstream.streamAborted, upstream.streamEnded]).toEqual([true, false]);
      expect(uncaught).toEqual([]);
    } finally {
      process.off("uncaughtException", onUncaught);
    }
  });
});
