import { request as httpRequest } from "node:http";
import { gunzipSync, gzipSync } from "node:zlib";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Trestle, TrestleOptions } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { hitsOf, startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";
import { serveTrestle, type TrestleServer } from "../passthrough/raw-http.js";

// Issue 15, item 3: passthrough reads open one upstream request and are stored while they stream.
const MAX_RESPONSE = 1000;
const big = Buffer.from("x".repeat(3 * MAX_RESPONSE));
const bomb = gzipSync(Buffer.alloc(50 * MAX_RESPONSE, "a"));
const item = (path: string) => JSON.stringify({ path, pad: "p".repeat(100) });

/** Released by a test: the event stream's second half waits for it. */
let releaseEvents: () => void = () => undefined;

/** Each path is one kind of answer; `writeHead` with headers then `end(body)` sends no Content-Length (chunked). */
function answer(url: string, res: import("node:http").ServerResponse): void {
  const path = url.split("?")[0]!;
  if (path.startsWith("/big-length"))
    res
      .writeHead(200, { "content-type": "application/octet-stream", "content-length": String(big.length), "cache-control": "max-age=60" })
      .end(big);
  else if (path.startsWith("/big-chunked"))
    res.writeHead(200, { "content-type": "application/octet-stream", "cache-control": "max-age=60" }).end(big);
  else if (path.startsWith("/bomb"))
    res
      .writeHead(200, {
        "content-type": "text/plain",
        "content-encoding": "gzip",
        "content-length": String(bomb.length),
        "cache-control": "max-age=60",
      })
      .end(bomb);
  else if (path.startsWith("/gz"))
    res
      .writeHead(200, { "content-type": "application/json", "content-encoding": "gzip", "cache-control": "max-age=60" })
      .end(gzipSync(item(path)));
  else if (path.startsWith("/no-store"))
    res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" }).end(item(path));
  else if (path.startsWith("/slow")) {
    res.writeHead(200, { "content-type": "application/json", "cache-control": "max-age=60" });
    res.write('{"part":1,');
    // The rest never comes unless the client stays: a client leaving mid-answer leaves it partial.
    setTimeout(() => res.end('"part2":2}'), 10_000).unref();
  } else if (path.startsWith("/events") || path.startsWith("/ndjson")) {
    const type = path.startsWith("/events") ? "text/event-stream" : "application/x-ndjson";
    res.writeHead(200, { "content-type": type, "cache-control": "max-age=60" });
    res.write(path.startsWith("/events") ? "data: one\n\n" : '{"n":1}\n');
    new Promise<void>((resolve) => (releaseEvents = resolve)).then(
      () => res.end(path.startsWith("/events") ? "data: two\n\n" : '{"n":2}\n'),
      () => undefined,
    );
  } else res.writeHead(200, { "content-type": "application/json", "cache-control": "max-age=60" }).end(item(path));
}

/** A GET through trestle.handle over a real socket, body as the bytes sent (no decoding). */
function getRaw(url: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    httpRequest(url, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    })
      .on("error", reject)
      .end();
  });
}

let upstream: TestUpstream;

async function build(options: Partial<TrestleOptions> = {}): Promise<Trestle> {
  return createTestTrestle(
    `extend schema @upstream(name: "api", baseUrl: "${upstream.url}", timeoutMs: 5000, maxResponseBytes: ${MAX_RESPONSE},
       passthrough: { methods: [GET, HEAD], paths: ["/**"] })
     type Query { a: Int }`,
    options,
  );
}

beforeAll(async () => {
  upstream = await startTestUpstream((req, res) => answer(req.url, res));
});
afterAll(() => upstream.close());
beforeEach(() => {
  upstream.requests.length = 0;
});

describe.each([
  ["trestle.fetch", "pool"],
  ["trestle.handle", "pool"],
  ["trestle.fetch", "app-fetch"],
])("passthrough reads through %s (%s)", (via, transport) => {
  let trestle: Trestle;
  let server: TrestleServer;
  beforeAll(async () => {
    trestle = await build(transport === "app-fetch" ? { fetch: (input, init) => fetch(input, init) } : {});
    server = await serveTrestle(trestle);
  });
  afterAll(async () => {
    await server.close();
    await trestle.close();
  });

  async function get(path: string): Promise<{ status: number; cacheStatus: string | null; encoding: string | null; body: Buffer }> {
    if (via === "trestle.fetch") {
      const response = await trestle.fetch(new Request(`http://trestle.test/rest/api${path}`));
      return {
        status: response.status,
        cacheStatus: response.headers.get("cache-status"),
        encoding: response.headers.get("content-encoding"),
        body: Buffer.from(await response.arrayBuffer()),
      };
    }
    const raw = await getRaw(`${server.url}/rest/api${path}`);
    return {
      status: raw.status,
      cacheStatus: (raw.headers["cache-status"] as string | undefined) ?? null,
      encoding: (raw.headers["content-encoding"] as string | undefined) ?? null,
      body: raw.body,
    };
  }

  it.each(["/big-length", "/big-chunked"])(
    "F07: an answer larger than maxResponseBytes (%s) streams through whole, sent upstream once",
    async (path) => {
      const unique = `${path}/${via}-${transport}`;
      const answered = await get(unique);
      expect(answered.status).toBe(200);
      expect(answered.body.equals(big)).toBe(true);
      expect(hitsOf(upstream, unique)).toBe(1);
      // Not stored: the next read goes upstream again, once.
      await get(unique);
      expect(hitsOf(upstream, unique)).toBe(2);
    },
  );

  it("F08: a gzip answer that decodes past maxResponseBytes passes through as sent, sent upstream once", async () => {
    const path = `/bomb/${via}-${transport}`;
    const answered = await get(path);
    expect(answered.status).toBe(200);
    const decoded = answered.encoding === "gzip" ? gunzipSync(answered.body) : answered.body;
    expect(decoded.length).toBe(50 * MAX_RESPONSE);
    expect(hitsOf(upstream, path)).toBe(1);
  });

  it("an answer without a length is stored while it streams: the next read is a hit, one upstream call", async () => {
    const path = `/plain/${via}-${transport}`;
    const first = await get(path);
    expect(JSON.parse(first.body.toString())).toEqual({ path, pad: "p".repeat(100) });
    expect(first.cacheStatus).toMatch(/^Trestle; fwd=miss; fwd-status=200; stored; ttl=\d+$/);
    const second = await get(path);
    expect(second.cacheStatus).toMatch(/^Trestle; hit; ttl=\d+$/);
    expect(second.body.equals(first.body)).toBe(true);
    expect(hitsOf(upstream, path)).toBe(1);
  });

  it("a gzip answer without a length reaches the client as sent and is stored decoded", async () => {
    const path = `/gz/${via}-${transport}`;
    const first = await get(path);
    const firstText = first.encoding === "gzip" ? gunzipSync(first.body).toString() : first.body.toString();
    expect(JSON.parse(firstText)).toEqual({ path, pad: "p".repeat(100) });
    const second = await get(path);
    expect(second.encoding).toBeNull();
    expect(second.body.toString()).toBe(firstText);
    expect(hitsOf(upstream, path)).toBe(1);
  });

  it("an answer without a length that may not be stored says why, and is not", async () => {
    const path = `/no-store/${via}-${transport}`;
    expect((await get(path)).cacheStatus).toBe('Trestle; fwd=miss; fwd-status=200; detail="not stored: no-store"');
    await get(path);
    expect(hitsOf(upstream, path)).toBe(2);
  });

  it.each(["/events", "/ndjson"])(
    "%s answers stream through without Accept: the first part arrives before the upstream ends, never stored",
    async (kind) => {
      const path = `${kind}/${via}-${transport}`;
      const response =
        via === "trestle.fetch"
          ? await trestle.fetch(new Request(`http://trestle.test/rest/api${path}`))
          : await fetch(`${server.url}/rest/api${path}`);
      expect(response.headers.get("cache-status")).toBe('Trestle; fwd=bypass; detail="streaming media type"');
      const reader = response.body!.getReader();
      const first = await reader.read();
      // A buffering proxy would still be waiting here: the upstream has not ended its answer.
      expect(new TextDecoder().decode(first.value)).toBe(kind === "/events" ? "data: one\n\n" : '{"n":1}\n');
      releaseEvents();
      while (!(await reader.read()).done);
      const again =
        via === "trestle.fetch"
          ? await trestle.fetch(new Request(`http://trestle.test/rest/api${path}`))
          : await fetch(`${server.url}/rest/api${path}`);
      const reading = again.text();
      await new Promise((resolve) => setImmediate(resolve));
      releaseEvents();
      await reading;
      expect(hitsOf(upstream, path)).toBe(2);
    },
  );
});

describe("what is never stored", () => {
  let trestle: Trestle;
  let server: TrestleServer;
  beforeAll(async () => {
    trestle = await build({ cache: { maxSize: 100_000, maxEntrySize: 700 } });
    server = await serveTrestle(trestle);
  });
  afterAll(async () => {
    await server.close();
    await trestle.close();
  });

  /** Reads the first chunk of a read of `/slow/…` and leaves; its Cache-Status. */
  async function readFirstAndLeave(path: string): Promise<string | null> {
    const response = await trestle.fetch(new Request(`http://trestle.test/rest/api${path}`));
    const reader = response.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('{"part":1,');
    await reader.cancel();
    return response.headers.get("cache-status");
  }

  it("F15: a client that leaves mid-answer stores nothing partial, and the next client is served", async () => {
    expect(await readFirstAndLeave("/slow/1")).toMatch(/^Trestle; fwd=miss; fwd-status=200; stored; ttl=\d+$/);
    // The same read again is no hit: nothing of the first answer was kept.
    expect(await readFirstAndLeave("/slow/1")).toMatch(/^Trestle; fwd=miss;/);
    expect(hitsOf(upstream, "/slow/1")).toBe(2);
    const next = await trestle.fetch(new Request("http://trestle.test/rest/api/plain/after-leaving"));
    expect(next.status).toBe(200);
    expect(JSON.parse(await next.text())).toMatchObject({ path: "/plain/after-leaving" });
    expect(trestle.cache.size).toBe(1);
  });

  it("an answer without a length larger than maxEntrySize reaches the client whole and is not stored", async () => {
    const path = `/plain/${"long-".repeat(120)}`;
    const raw = await getRaw(`${server.url}/rest/api${path}`);
    expect(raw.status).toBe(200);
    expect(raw.body.length).toBeGreaterThan(700);
    expect(JSON.parse(raw.body.toString())).toEqual({ path, pad: "p".repeat(100) });
    await getRaw(`${server.url}/rest/api${path}`);
    expect(hitsOf(upstream, path)).toBe(2);
  });
});
