import type { BrowserContext } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { launchOfflineChromium, watchOffHost, type OfflineChromium } from "../helpers/launch-chromium.js";
import { servePage, type ServedPage } from "../helpers/serve-page.js";
import { sse, startStreamingUpstream, type StreamingUpstream } from "../helpers/streaming-upstream.js";
import { serveWithUpgrade, type WsServed } from "../streams/ws-client.js";

// Subscriptions in a real headless Chromium: GraphiQL, served by Trestle, runs a streaming
// subscription out of the box and shows each token as the upstream sends it; and the browser's
// own WebSocket shows the Origin rule (W01): a page on a listed origin may open a socket, a page
// on any other may not. Timeouts are generous for a loaded machine.
const schema = (url: string) => `
  extend schema @upstream(name: "ml", baseUrl: "${url}", headers: [{ name: "cookie", from: "cookie" }])
  type Query { ping: String @rest(path: "/ping") }
  type Token { content: String }
  type Subscription {
    generate(model: String!, prompt: String!): Token
      @rest(method: POST, path: "/models/{args.model}/generate", body: "{\\"prompt\\": {args.prompt}, \\"stream\\": true}",
            stream: { format: SSE, select: "choices.0.delta", done: "[DONE]" })
  }`;

let upstream: StreamingUpstream;
let trestle: Trestle;
let served: WsServed;
let allowed: ServedPage;
let other: ServedPage;
let chromium: OfflineChromium;
let context: BrowserContext;
let offHost: string[];

beforeAll(async () => {
  upstream = await startStreamingUpstream();
  allowed = await servePage(`<!doctype html><title>allowed</title>`);
  other = await servePage(`<!doctype html><title>other</title>`);
  trestle = await createTestTrestle(schema(upstream.url), { cors: { origin: [allowed.origin], credentials: true } });
  served = await serveWithUpgrade(trestle);
  chromium = await launchOfflineChromium();
  context = await chromium.browser.newContext();
  offHost = watchOffHost(context);
  await context.addCookies([{ name: "session", value: "s1", url: served.http }]);
}, 45_000);
afterAll(async () => {
  await chromium?.close();
  await served?.close();
  await Promise.all([allowed?.close(), other?.close(), upstream?.close()]);
  expect(offHost).toEqual([]);
});
beforeEach(() => {
  upstream.calls.length = 0;
});

it("GraphiQL runs a streaming subscription out of the box: each token shows in the result pane as the upstream sends it", async () => {
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  const pageErrors: string[] = [];
  page.on("pageerror", (error) => pageErrors.push(error.message));
  const subscription = `subscription { generate(model: "m1", prompt: "Say hi") { content } }`;
  await page.goto(`${served.http}/graphql?query=${encodeURIComponent(subscription)}`);
  await page.waitForLoadState("load");
  await page.locator(".graphiql-execute-button").click();
  const [call] = await upstream.waitForCalls(1);
  expect(JSON.parse(call!.body)).toEqual({ prompt: "Say hi", stream: true });
  const result = page.locator(".result-window");
  // The upstream sends the next token only once the page shows the one before: no sleeps.
  for (const token of ["Hel", "lo", " world"]) {
    call!.write(sse.openai(token));
    await result.filter({ hasText: `"content": "${token}"` }).waitFor();
  }
  call!.end(sse.openaiDone);
  expect(JSON.parse(((await result.textContent()) ?? "").replaceAll("\u00a0", " "))).toEqual({ data: { generate: { content: " world" } } });
  expect(pageErrors).toEqual([]);
  await page.close();
}, 60_000);

describe("W01: the browser's WebSocket and the upgrade's Origin", () => {
  /** Opens a graphql-transport-ws socket from a page of `origin`, runs one subscription, reports what happened. */
  async function fromPage(origin: string, prompt: string) {
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    await page.goto(`${origin}/`);
    const outcome = page.evaluate(
      ({ url, prompt }) =>
        new Promise<{ opened: boolean; close?: number; messages: string[] }>((resolve) => {
          const messages: string[] = [];
          let opened = false;
          const socket = new WebSocket(url, "graphql-transport-ws");
          socket.onopen = () => {
            opened = true;
            socket.send(JSON.stringify({ type: "connection_init" }));
          };
          socket.onmessage = (event) => {
            const message = JSON.parse(String(event.data)) as { type: string };
            messages.push(message.type);
            if (message.type === "connection_ack")
              socket.send(
                JSON.stringify({
                  id: "1",
                  type: "subscribe",
                  payload: { query: `subscription { generate(model: "m", prompt: "${prompt}") { content } }` },
                }),
              );
            if (message.type === "complete") socket.close(1000);
          };
          socket.onclose = (event) => resolve({ opened, close: event.code, messages });
        }),
      { url: `${served.ws}/graphql`, prompt },
    );
    return { page, outcome };
  }

  it("a page on the listed origin opens the socket and gets tokens, its cookie reaching the upstream", async () => {
    const { page, outcome } = await fromPage(allowed.origin, "listed");
    const [call] = await upstream.waitForCalls(1);
    expect(call!.headers.cookie).toBe("session=s1");
    call!.end(sse.openai("token") + sse.openaiDone);
    expect(await outcome).toEqual({ opened: true, close: 1000, messages: ["connection_ack", "next", "complete"] });
    await page.close();
  }, 30_000);

  it("a page on another origin cannot open it (403 on the upgrade): no socket, no upstream call", async () => {
    const { page, outcome } = await fromPage(other.origin, "hijack");
    expect(await outcome).toEqual({ opened: false, close: 1006, messages: [] });
    expect(upstream.calls).toEqual([]);
    await page.close();
  }, 30_000);
});
