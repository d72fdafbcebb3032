import { AsyncLocalStorage } from "node:async_hooks";
import { context, ROOT_CONTEXT, trace, type Context, type ContextManager } from "@opentelemetry/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTrestle, type PinoLike, type Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { sendJson, startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";
import { captureLogs } from "./capture-logs.js";

// Issue 24, item 3: the trace id of the active span, and the `logger` option's forms; LG10–LG12.
let upstream: TestUpstream;
beforeAll(async () => {
  upstream = await startTestUpstream((_req, res) => sendJson(res, 200, { name: "Ada" }));
});
afterAll(() => upstream.close());

const schema = () =>
  `extend schema @upstream(name: "api", baseUrl: "${upstream.url}") type Query { user: User @rest(path: "/user") } type User { name: String }`;
const ask = (trestle: Trestle, document = "query Me { user { name } }") =>
  trestle.fetch(
    new Request("http://trestle.test/graphql", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: document }),
    }),
  );

/** The smallest context manager: what an OpenTelemetry SDK registers, so that `context.with` reaches awaited code. */
class StorageContextManager implements ContextManager {
  private readonly storage = new AsyncLocalStorage<Context>();
  active = () => this.storage.getStore() ?? ROOT_CONTEXT;
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    ctx: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    return this.storage.run(ctx, () => fn.call(thisArg, ...args));
  }
  bind<T>(_ctx: Context, target: T): T {
    return target;
  }
  enable = () => this;
  disable = () => (this.storage.disable(), this);
}

describe("LG10: the trace id", () => {
  it("LG10: a request inside an active span logs its trace id; one outside any span logs none", async () => {
    const logs = captureLogs();
    const trestle = await createTestTrestle(schema(), { logger: logs.logger });
    const manager = new StorageContextManager();
    context.setGlobalContextManager(manager);
    try {
      const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
      const span = trace.wrapSpanContext({ traceId, spanId: "00f067aa0ba902b7", traceFlags: 1 });
      expect((await context.with(trace.setSpan(context.active(), span), () => ask(trestle))).status).toBe(200);
      expect((await logs.waitForRequests(1))[0]).toMatchObject({ operation: "Me", traceId });
      // An invalid span context (all zeros) is no trace.
      const invalid = trace.wrapSpanContext({ traceId: "0".repeat(32), spanId: "0".repeat(16), traceFlags: 0 });
      await context.with(trace.setSpan(context.active(), invalid), () => ask(trestle));
      await ask(trestle);
      const [, second, third] = await logs.waitForRequests(3);
      expect(second!["traceId"]).toBeUndefined();
      expect(third!["traceId"]).toBeUndefined();
    } finally {
      context.disable();
      await trestle.close();
    }
  });
});

describe("the logger option", () => {
  it("LG11: a logger that throws never fails a request", async () => {
    let calls = 0;
    const throwing: PinoLike = {
      info: () => {
        calls++;
        throw new Error("disk full");
      },
      warn: () => undefined,
      error: () => undefined,
    };
    const trestle = await createTestTrestle(schema(), { logger: throwing });
    try {
      const response = await ask(trestle);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ data: { user: { name: "Ada" } } });
      expect(calls).toBe(1);
      expect((await ask(trestle)).status).toBe(200);
    } finally {
      await trestle.close();
    }
  });

  it("LG12: yoga's own messages go to the logger as { source: 'yoga' } lines; logging: false silences them", async () => {
    const paged = `extend schema @upstream(name: "api", baseUrl: "${upstream.url}")
      type Query {
        users(first: Int = 10, after: String): UserConnection! @rest(path: "/users", paginate: { style: OFFSET, items: "items", limit: "limit", offset: "offset" })
      }
      type User { name: String }
      type UserConnection { edges: [UserEdge!]!, pageInfo: PageInfo! }
      type UserEdge { cursor: String!, node: User! }
      type PageInfo { hasNextPage: Boolean!, hasPreviousPage: Boolean!, startCursor: String, endCursor: String }`;
    const logs = captureLogs();
    // createTestTrestle silences yoga (logging: false): yoga's default is what is tested here.
    const trestle = await createTrestle({ schema: paged, env: {}, logger: logs.logger });
    await trestle.close();
    const warning = logs.lines().find((line) => line["source"] === "yoga");
    expect(warning).toMatchObject({ level: 40 });
    expect(warning!.msg).toContain("no cursorSecret");
    const quiet = captureLogs();
    await (await createTestTrestle(paged, { logger: quiet.logger, logging: false })).close();
    expect(quiet.lines()).toEqual([]);
  });
});
