import type { IncomingMessage } from "node:http";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { createAbortSource } from "../../src/upstream/settle-by-signal.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { query } from "../helpers/graphql.js";

// Issue 26 (perfpath-7): an upstream attempt no longer makes an AbortController; the pool gets a
// light signal, a real AbortSignal is made only when read. The deadline must still abort a
// call in flight (the upstream sees its connection close) and one waiting for a slot.

describe("perfpath-7: the lazy abort source", () => {
  it("perfpath-7: runs its listeners once in the order added, and a signal read late is already aborted with the same reason", () => {
    const source = createAbortSource();
    const seen: string[] = [];
    const removed = () => seen.push("removed");
    source.addEventListener("abort", () => seen.push("undici"));
    source.addEventListener("abort", removed);
    source.removeEventListener("abort", removed);
    source.onAbort(() => seen.push("settle"));
    const early = source.signal;
    source.abort();
    source.abort();
    expect(seen).toEqual(["undici", "settle"]);
    expect(early.aborted).toBe(true);
    expect(early.reason).toBe(source.reason);
    expect((source.reason as DOMException).name).toBe("AbortError");
    const late = createAbortSource();
    late.abort();
    expect(late.signal.aborted).toBe(true);
    expect(late.signal.reason).toBe(late.reason);
    late.onAbort(() => seen.push("after"));
    late.addEventListener("abort", () => seen.push("never"));
    expect(seen).toEqual(["undici", "settle", "after"]);
  });
});

describe("perfpath-7: deadlines still abort calls through the pool", () => {
  const held: IncomingMessage[] = [];
  const closed: string[] = [];
  const server = createServer((req, res) => {
    if (req.url === "/fast") {
      res.writeHead(200, { "content-type": "application/json" }).end('{"value":"fast"}');
      return;
    }
    // Never answers: the caller's deadline must end it.
    held.push(req);
    req.socket.once("close", () => closed.push(req.url ?? ""));
  });
  let trestle: Trestle;
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    trestle = await createTestTrestle(/* GraphQL */ `
      extend schema @upstream(name: "slow", baseUrl: "${url}", timeoutMs: 300, maxConcurrency: 1, retry: { attempts: 0 })
      type Query {
        read(route: String!): Answer @rest(path: "/{args.route}")
      }
      type Answer {
        value: String!
      }
    `);
  });
  afterAll(async () => {
    await trestle.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const read = (route: string) => query(trestle, `query ($route: String!) { read(route: $route) { value } }`, { route });

  it("perfpath-7: calls in flight and queued behind them end at their deadline, every held connection closes, the next call is served", async () => {
    const results = await Promise.all([read("hang-1"), read("hang-2"), read("hang-3")]);
    for (const result of results) {
      expect(result.data).toEqual({ read: null });
      expect(["UPSTREAM_TIMEOUT", "UPSTREAM_OVERLOADED"]).toContain(result.errors?.[0]?.extensions?.["code"]);
    }
    expect(held.length).toBeGreaterThanOrEqual(1);
    await Promise.all(
      held.map((req) => (req.socket.destroyed ? Promise.resolve() : new Promise((resolve) => req.socket.once("close", resolve)))),
    );
    expect(closed).toHaveLength(held.length);
    expect(await read("fast")).toMatchObject({ data: { read: { value: "fast" } } });
  });
});
