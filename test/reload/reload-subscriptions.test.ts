import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { subscribeOverSse } from "../helpers/sse-subscribe.js";
import { sse, startStreamingUpstream, type StreamingUpstream } from "../helpers/streaming-upstream.js";
import { serveTrestle, type TrestleServer } from "../passthrough/raw-http.js";
import { openClient } from "../streams/ws-client.js";

// Open subscriptions finish on the schema they started with (its resolvers, its upstream client,
// even when the reload changed that upstream); new ones, over SSE or WebSocket, use the new schema.

let dir: string;
let upstream: StreamingUpstream;
let trestle: Trestle;
let served: TrestleServer;

const sdl = (field: string, header: string) => `
  extend schema @upstream(name: "ml", baseUrl: "${upstream.url}", headers: [{ name: "x-schema", value: "${header}" }])
  type Query { ping: String @rest(path: "/ping") }
  type Token { content: String }
  type Subscription { ${field}: Token @rest(path: "/${field}", stream: { format: SSE }) }`;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "trestle-reload-sub-"));
  upstream = await startStreamingUpstream();
  await writeFile(join(dir, "schema.graphql"), sdl("tokens", "v1"));
  trestle = await createTestTrestle(dir);
  const server = createServer((req, res) => void trestle.handle(req, res));
  trestle.upgrade(server);
  served = await serveTrestle(trestle, server);
});
afterEach(async () => {
  await served.close();
  await trestle.close();
  await upstream.close();
  await rm(dir, { recursive: true, force: true });
});

/** Rewrites the schema (the field renamed, the upstream's header changed, so its client is replaced) and reloads. */
async function reloadTo(field: string, header: string): Promise<void> {
  await writeFile(join(dir, "schema.graphql"), sdl(field, header));
  expect(await trestle.reload()).toEqual([]);
}

describe("#25 reload: open subscriptions", () => {
  it("DV11: an SSE subscription open across a reload keeps its stream and schema; a new SSE subscription uses the new schema", async () => {
    const before = await subscribeOverSse(`${served.url}/graphql`, "subscription { tokens { content } }");
    const first = await upstream.nextCall();
    expect(first.headers["x-schema"]).toBe("v1");
    first.write(sse.event({ content: "a" }));
    expect((await before.next())?.data).toEqual({ tokens: { content: "a" } });

    await reloadTo("words", "v2");
    // The old subscription goes on: its upstream connection (the replaced client's) still carries events.
    first.write(sse.event({ content: "b" }));
    expect((await before.next())?.data).toEqual({ tokens: { content: "b" } });

    const after = await subscribeOverSse(`${served.url}/graphql`, "subscription { words { content } }");
    const second = await upstream.nextCall();
    expect(second.url).toBe("/words");
    expect(second.headers["x-schema"]).toBe("v2");
    second.end(sse.event({ content: "new" }));
    expect(await after.rest()).toEqual([{ data: { words: { content: "new" } } }]);
    // The old field is gone for new subscribers.
    const refused = await subscribeOverSse(`${served.url}/graphql`, "subscription { tokens { content } }");
    expect((await refused.next())?.errors?.[0]?.message).toContain('Cannot query field "tokens"');
    refused.close();

    first.end(sse.event({ content: "c" }));
    expect(await before.rest()).toEqual([{ data: { tokens: { content: "c" } } }]);
  });

  it("DV12: a WebSocket subscription open across a reload keeps its schema; a new one on the same socket uses the new schema", async () => {
    const client = openClient(`ws://127.0.0.1:${served.port}/graphql`);
    try {
      const before = client.iterate<{ tokens: { content: string } }>({ query: "subscription { tokens { content } }" });
      const next = before.next();
      const first = await upstream.nextCall();
      first.write(sse.event({ content: "a" }));
      expect((await next).value?.data).toEqual({ tokens: { content: "a" } });

      await reloadTo("words", "v2");
      first.write(sse.event({ content: "b" }));
      expect((await before.next()).value?.data).toEqual({ tokens: { content: "b" } });

      const after = client.iterate<{ words: { content: string } }>({ query: "subscription { words { content } }" });
      const afterNext = after.next();
      const second = await upstream.nextCall();
      expect(second.headers["x-schema"]).toBe("v2");
      second.write(sse.event({ content: "new" }));
      expect((await afterNext).value?.data).toEqual({ words: { content: "new" } });
      second.end();
      expect((await after.next()).done).toBe(true);

      first.end(sse.event({ content: "c" }));
      expect((await before.next()).value?.data).toEqual({ tokens: { content: "c" } });
      expect((await before.next()).done).toBe(true);
    } finally {
      await client.dispose();
    }
  });
});
