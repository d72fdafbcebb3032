import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { makeExecutableSchema } from "@graphql-tools/schema";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TrestleResolverContext } from "../../src/connector/create-resolvers.js";
import { createDocumentPreparer } from "../../src/execution/create-document-preparer.js";
import { createResultStep } from "../../src/execution/create-result-step.js";
import { createSseRoute } from "../../src/execution/create-sse-route.js";
import { createPreparedDocuments } from "../../src/execution/prepared-document.js";
import { createCorsPolicy } from "../../src/http/cors-policy.js";
import { createRouteTable, type Route } from "../../src/http/route-table.js";
import { createMaskError } from "../../src/plugins/mask-error.js";
import { subscribeOverSse } from "../helpers/sse-subscribe.js";

// The SSE route on its own, on a real node:http server: which requests it answers itself and
// which it passes on unchanged (to the fast lane, then to yoga's route, here recorders), and
// what it does with the results: framing, masking, the client leaving. The subscriptions are
// plain iterators the test drives, so each step is seen as it happens.

/** A subscription source the test feeds: `push` a value, `finish`; `returned` once the consumer let go. */
function createSource() {
  const queue: Array<IteratorResult<unknown>> = [];
  let waiting: ((result: IteratorResult<unknown>) => void) | undefined;
  let onReturn: () => void = () => undefined;
  const returned = new Promise<void>((resolve) => (onReturn = resolve));
  const deliver = (result: IteratorResult<unknown>) => (waiting ? (waiting(result), (waiting = undefined)) : queue.push(result));
  const iterator: AsyncIterableIterator<unknown> = {
    next: () => (queue.length > 0 ? Promise.resolve(queue.shift()!) : new Promise((resolve) => (waiting = resolve))),
    return: () => {
      onReturn();
      deliver({ value: undefined, done: true });
      return Promise.resolve({ value: undefined, done: true });
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return {
    iterator,
    returned,
    push: (value: unknown) => deliver({ value, done: false }),
    finish: () => deliver({ value: undefined, done: true }),
  };
}

let sources: Array<ReturnType<typeof createSource>> = [];
const schema = makeExecutableSchema({
  typeDefs: `
    type Query { hello: String }
    type Subscription { tokens: String, leaky: String }`,
  resolvers: {
    Query: { hello: () => "world" },
    Subscription: {
      tokens: {
        subscribe: () => {
          const source = createSource();
          sources.push(source);
          return source.iterator;
        },
        resolve: (value: unknown) => value,
      },
      leaky: {
        subscribe: () => {
          const source = createSource();
          sources.push(source);
          return source.iterator;
        },
        resolve: () => {
          throw new Error("connect ECONNREFUSED db-secret-host:5432");
        },
      },
    },
  },
});

const passedOn: string[] = [];
const recorder = (name: string): Route => ({
  matches: () => true,
  name: () => "graphql",
  answersPreflight: () => false,
  serve: async (exchange) => {
    passedOn.push(`${name} ${exchange.method}`);
    return { status: 299, headers: { "content-type": "text/plain" }, body: name };
  },
});

let server: Server;
let url: string;
beforeAll(async () => {
  const answer = createResultStep({ showSuggestions: false, cacheControl: false });
  const fallback = recorder("yoga");
  const route = createSseRoute({
    schema,
    graphqlPath: "/graphql",
    maxRequestBytes: 10_000,
    prepare: createDocumentPreparer({ schema, rules: [], maxTokens: 1000, showSuggestions: false, documents: createPreparedDocuments() }),
    maskError: createMaskError(false),
    answer,
    lane: async () => {
      passedOn.push("lane POST");
      return undefined;
    },
    createContext: async () => ({}) as TrestleResolverContext,
    csrfPrevention: true,
    fallback,
  });
  const table = createRouteTable([route, fallback], createCorsPolicy(undefined), false, undefined);
  server = createServer((req, res) => void table.handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe("SSE route: what it answers itself, what it passes on", () => {
  it("SSE09: subscriptions (POST, and GET with x-trestle-csrf) are streamed by the route itself: nothing reaches the lane or yoga", async () => {
    passedOn.length = 0;
    sources = [];
    const post = await subscribeOverSse(url, "subscription { tokens }");
    const search = new URLSearchParams({ query: "subscription Named { tokens }", operationName: "Named", variables: "{}" });
    const get = fetch(`${url}?${search}`, { headers: { accept: "text/event-stream", "x-trestle-csrf": "1" } });
    const [forPost, forGet] = await until(
      () => sources.length === 2,
      () => sources,
    );
    forPost!.push("a");
    expect(await post.next()).toEqual({ data: { tokens: "a" } });
    forPost!.push("b");
    forPost!.finish();
    expect(await post.rest()).toEqual([{ data: { tokens: "b" } }]);
    forGet!.push("g");
    forGet!.finish();
    expect(await (await get).text()).toBe(':\n\nevent: next\ndata: {"data":{"tokens":"g"}}\n\nevent: complete\ndata:\n\n');
    expect(passedOn).toEqual([]);
  });

  it("SSE09: what the route does not start is passed on as it came: queries to the lane, then yoga; GET without x-trestle-csrf, bad documents and bodies to yoga", async () => {
    passedOn.length = 0;
    sources = [];
    const post = (body: string, accept = "text/event-stream") =>
      fetch(url, { method: "POST", headers: { "content-type": "application/json", accept }, body }).then((r) => r.text());
    const get = (query: string) =>
      fetch(`${url}?query=${encodeURIComponent(query)}`, { headers: { accept: "text/event-stream" } }).then((r) => r.text());
    const cases: Array<[string, () => Promise<string>, string[]]> = [
      ["query", () => post(JSON.stringify({ query: "{ hello }" })), ["lane POST", "yoga POST"]],
      ["invalid document", () => post(JSON.stringify({ query: "subscription { nope }" })), ["lane POST", "yoga POST"]],
      ["syntax error", () => post(JSON.stringify({ query: "subscription {" })), ["lane POST", "yoga POST"]],
      ["variables not a map", () => post(JSON.stringify({ query: "subscription { tokens }", variables: [1] })), ["lane POST", "yoga POST"]],
      ["not JSON", () => post("{subscription"), ["yoga POST"]],
      ["GET without x-trestle-csrf", () => get("subscription { tokens }"), ["yoga GET"]],
      ["GET query", () => get("{ hello }"), ["yoga GET"]],
    ];
    for (const [name, send, expected] of cases) {
      passedOn.length = 0;
      const text = await send();
      expect(passedOn, name).toEqual(expected);
      expect(text, name).toBe("yoga");
    }
    // No Accept: text/event-stream: not this route's at all.
    passedOn.length = 0;
    expect(await post(JSON.stringify({ query: "subscription { tokens }" }), "application/json")).toBe("yoga");
    expect(passedOn).toEqual(["yoga POST"]);
    expect(sources).toEqual([]);
  });

  it("SSE10: an error a payload's resolver throws is masked (no internal message), and the stream goes on", async () => {
    sources = [];
    const subscription = await subscribeOverSse(url, "subscription { leaky }");
    const [source] = await until(
      () => sources.length === 1,
      () => sources,
    );
    source!.push(1);
    expect(await subscription.next()).toEqual({
      data: { leaky: null },
      errors: [
        {
          message: "Unexpected error.",
          locations: [{ line: 1, column: 16 }],
          path: ["leaky"],
          extensions: { code: "INTERNAL_SERVER_ERROR" },
        },
      ],
    });
    source!.push(2);
    expect((await subscription.next())?.errors?.[0]?.message).toBe("Unexpected error.");
    source!.finish();
    expect(await subscription.rest()).toEqual([]);
  });

  it("SSE11: the client leaving ends the subscription's source (return()), waiting for a value or between values", async () => {
    sources = [];
    const waiting = await subscribeOverSse(url, "subscription { tokens }");
    const [first] = await until(
      () => sources.length === 1,
      () => sources,
    );
    waiting.close();
    await first!.returned;
    const between = await subscribeOverSse(url, "subscription { tokens }");
    const [, second] = await until(
      () => sources.length === 2,
      () => sources,
    );
    second!.push("x");
    expect(await between.next()).toEqual({ data: { tokens: "x" } });
    between.close();
    await second!.returned;
  });
});

/** Waits (event loop turns, no fixed delay) until `ready()`, then returns `value()`. */
async function until<T>(ready: () => boolean, value: () => T): Promise<T> {
  while (!ready()) await new Promise((resolve) => setImmediate(resolve));
  return value();
}
