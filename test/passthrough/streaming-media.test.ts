import type { ServerResponse } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { until } from "../helpers/gate.js";
import { hitsOf, startTestUpstream, type RecordedRequest, type TestUpstream } from "../helpers/test-upstream.js";
import { serveTrestle, type TrestleServer } from "./raw-http.js";

// Issue 18, point 4 (I18-4): passthrough never buffers a streaming answer. The upstream writes one
// line, then waits for the test to say "next" before it writes the following one: a proxy that
// buffered would never hand the client line 1, and the test would time out instead of passing.

const lines = ['{"line":1}\n', '{"line":2}\n', '{"line":3}\n'];
const eventLines = ["data: tok-1\n\n", "data: tok-2\n\n", "data: [DONE]\n\n"];

/** The answer being written: how many of its parts are out, and the gate the next part waits for. */
interface Writing {
  written: number;
  next?: (() => void) | undefined;
  closed: boolean;
}
let writing: Writing = { written: 0, closed: false };

/** `/<kind>/<anything>`: the kind picks the media type and framing; every answer says it may be stored. */
const kinds: Record<string, { type: string; parts: string[]; length?: boolean }> = {
  sse: { type: "text/event-stream", parts: eventLines },
  ndjson: { type: "application/x-ndjson", parts: lines },
  jsonl: { type: "application/jsonl", parts: lines },
  "ndjson-charset": { type: "application/x-ndjson; charset=utf-8", parts: lines },
  "jsonl-upper": { type: "Application/JSONL", parts: lines },
  "sse-length": { type: "text/event-stream", parts: eventLines, length: true },
  "ndjson-length": { type: "application/x-ndjson", parts: lines, length: true },
  plain: { type: "text/plain; charset=utf-8", parts: ["part 1\n", "part 2\n", "part 3\n"] },
};

async function answer(req: RecordedRequest, res: ServerResponse): Promise<void> {
  const kind = kinds[req.url.split("/")[1] ?? ""];
  if (kind === undefined) return void res.writeHead(404).end();
  const state: Writing = { written: 0, closed: false };
  writing = state;
  res.on("close", () => (state.closed = true));
  const headers: Record<string, string> = { "content-type": kind.type, "cache-control": "public, max-age=60" };
  if (kind.length === true) headers["content-length"] = String(kind.parts.join("").length);
  res.writeHead(200, headers);
  for (const [index, part] of kind.parts.entries()) {
    if (index > 0) await new Promise<void>((resolve) => (state.next = resolve));
    if (state.closed) return;
    state.written++;
    res.write(part);
  }
  res.end();
}

/** Lets the upstream write its next part, once it is waiting for the word. */
async function writeNext(): Promise<void> {
  const state = writing;
  await until(() => state.next !== undefined || state.closed, "the upstream to wait for the next part");
  const next = state.next;
  state.next = undefined;
  next?.();
}

/** Reads until `text` has arrived whole; what arrived. */
async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, text: string): Promise<string> {
  const decoder = new TextDecoder();
  let got = "";
  while (!got.includes(text)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the answer ended before ${JSON.stringify(text)} arrived (got ${JSON.stringify(got)})`);
    got += decoder.decode(value, { stream: true });
  }
  return got;
}

let upstream: TestUpstream;
let trestle: Trestle;
let server: TrestleServer;

beforeAll(async () => {
  upstream = await startTestUpstream(answer);
  trestle = await createTestTrestle(
    `extend schema @upstream(name: "logs", baseUrl: "${upstream.url}", timeoutMs: 5000,
       passthrough: { methods: [GET, POST], paths: ["/**"] })
     type Query { a: Int }`,
  );
  server = await serveTrestle(trestle);
});
afterAll(async () => {
  await server.close();
  await trestle.close();
  await upstream.close();
});

type Via = "trestle.handle" | "trestle.fetch";

function send(via: Via, path: string, accept: string | undefined, method = "GET"): Promise<Response> {
  const init: RequestInit = { method, headers: accept === undefined ? {} : { accept } };
  if (method === "POST") init.body = '{"follow":true}';
  return via === "trestle.fetch"
    ? trestle.fetch(new Request(`http://trestle.test/rest/logs${path}`, init))
    : fetch(`${server.url}/rest/logs${path}`, init);
}

/**
 * Reads the answer part by part: each part must have arrived before the upstream was let write
 * the next one. Then the same read again must reach the upstream again (nothing was stored).
 */
async function expectStreamedAndNotStored(via: Via, kind: string, accept: string | undefined, method = "GET", tag = ""): Promise<void> {
  const path = `/${kind}/${via}-${accept ?? "none"}-${method}${tag}`;
  const { parts } = kinds[kind]!;
  for (const round of [1, 2]) {
    const response = await send(via, path, accept, method);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe(kinds[kind]!.type);
    // A client asking for events is streamed past the cache before the answer is seen; others once it is.
    if (method === "GET")
      expect(response.headers.get("cache-status")).toBe(
        accept === "text/event-stream" ? "Trestle; fwd=bypass" : 'Trestle; fwd=bypass; detail="streaming media type"',
      );
    const reader = response.body!.getReader();
    let got = "";
    for (const [index, part] of parts.entries()) {
      if (index > 0) await writeNext();
      got += await readUntil(reader, part);
      // The part arrived while the upstream was still holding the next one back.
      expect(writing.written).toBe(index + 1);
    }
    expect(got).toBe(parts.join(""));
    expect((await reader.read()).done).toBe(true);
    expect(hitsOf(upstream, path), `read ${round} reached the upstream`).toBe(round);
  }
}

describe("ST18: streaming media types pass through part by part, whatever the client accepts, and are never stored", () => {
  const accepts = ["*/*", undefined, "application/json", "text/event-stream"];
  for (const kind of ["sse", "ndjson", "jsonl", "ndjson-charset", "jsonl-upper"]) {
    it.each(accepts)(`${kind} (${kinds[kind]!.type}) through trestle.handle, Accept: %s`, async (accept) => {
      await expectStreamedAndNotStored("trestle.handle", kind, accept);
    });
  }

  it.each(["sse", "ndjson", "jsonl"])("%s through trestle.fetch with Accept: */*", async (kind) => {
    await expectStreamedAndNotStored("trestle.fetch", kind, "*/*");
  });

  it.each(["sse-length", "ndjson-length"])(
    "%s: a stream that gives its Content-Length streams all the same, never stored",
    async (kind) => {
      await expectStreamedAndNotStored("trestle.handle", kind, "*/*");
    },
  );

  it.each(["sse", "ndjson"])("%s answering a POST (a generation request) through both transports", async (kind) => {
    await expectStreamedAndNotStored("trestle.handle", kind, undefined, "POST");
    await expectStreamedAndNotStored("trestle.fetch", kind, "*/*", "POST");
  });

  it("a client that leaves an NDJSON stream half-read ends the upstream's answer; the next client is served whole", async () => {
    const controller = new AbortController();
    const response = await fetch(`${server.url}/rest/logs/ndjson/leaving`, { headers: { accept: "*/*" }, signal: controller.signal });
    const reader = response.body!.getReader();
    await readUntil(reader, lines[0]!);
    const left = writing;
    controller.abort();
    await until(() => left.closed, "the upstream's answer to be closed");
    expect(left.written).toBe(1);
    await expectStreamedAndNotStored("trestle.handle", "ndjson", "*/*", "GET", "-after-leaving");
  });
});

describe("I18-4: other answers without a length stream too, and are stored while they stream", () => {
  it.each<Via>(["trestle.handle", "trestle.fetch"])("text/plain without a length through %s: part by part, then a hit", async (via) => {
    const path = `/plain/${via}`;
    const response = await send(via, path, "*/*");
    expect(response.headers.get("content-length")).toBeNull();
    const reader = response.body!.getReader();
    let got = "";
    for (const [index, part] of kinds["plain"]!.parts.entries()) {
      if (index > 0) await writeNext();
      got += await readUntil(reader, part);
      expect(writing.written).toBe(index + 1);
    }
    expect((await reader.read()).done).toBe(true);
    expect(response.headers.get("cache-status")).toMatch(/^Trestle; fwd=miss; fwd-status=200; stored; ttl=\d+$/);
    const again = await send(via, path, "*/*");
    expect(again.headers.get("cache-status")).toMatch(/^Trestle; hit; ttl=\d+$/);
    expect(await again.text()).toBe(got);
    expect(hitsOf(upstream, path)).toBe(1);
  });
});
