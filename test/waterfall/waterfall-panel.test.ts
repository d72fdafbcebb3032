import { mkdirSync } from "node:fs";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startDemoUpstream, type DemoUpstream } from "../../src/demo/demo-upstream.js";
import { generateTokens } from "../../src/demo/routes-streams.js";
import { formatWaterfall, type WaterfallCall } from "../../src/execution/format-waterfall.js";
import type { Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { launchOfflineChromium, watchOffHost, type OfflineChromium } from "../helpers/launch-chromium.js";
import { sendJson, startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";
import { serveTrestle, type TrestleServer } from "../passthrough/raw-http.js";

// Issue 24, item 5 (I24-5): GraphiQL of a debug Trestle, in a real headless Chromium with the
// network closed to everything but 127.0.0.1, draws the upstream calls of the last operation
// as a waterfall: the demo's N+1 query (README), then the same query again, all cache hits.
// TRESTLE_WATERFALL_SCREENSHOT=1 also writes the panel's picture to docs/images/waterfall.png.
let demo: DemoUpstream;
let trestle: Trestle;
let server: TrestleServer;
let chromium: OfflineChromium;

beforeAll(async () => {
  demo = await startDemoUpstream();
  if (process.env["TRESTLE_WATERFALL_SCREENSHOT"]) {
    // The picture shows a warm process's timings, not the first request's (code not yet compiled, connections not yet open).
    const warm = await createTestTrestle("schema/", { env: { DEMO_API_URL: demo.url } });
    for (let i = 0; i < 3; i++)
      await warm.fetch(
        new Request("http://warm.test/graphql", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ query: nPlusOne }),
        }),
      );
    await warm.close();
  }
  trestle = await createTestTrestle("schema/", { env: { DEMO_API_URL: demo.url }, debug: true });
  server = await serveTrestle(trestle);
  chromium = await launchOfflineChromium();
}, 45_000);
afterAll(async () => {
  await chromium?.close();
  await server?.close();
  await trestle?.close();
  await demo?.close();
});

const nPlusOne = '{ experiment(id: "1") { name runs { id user { name team { name } } experiment { name } } } }';

/** A GraphiQL page with the query in its editor, watched for CSP violations, page errors and requests off 127.0.0.1. */
async function openGraphiQL(url: string, operation: string) {
  const context = await chromium.browser.newContext({ viewport: { width: 1280, height: 800 } });
  const offHost = watchOffHost(context);
  const page = await context.newPage();
  // Generous for a loaded CI machine (it takes ~3 s idle): a timeout here means the page never came up.
  page.setDefaultTimeout(30_000);
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(error.message));
  page.on("console", (message) => {
    if (/Content Security Policy|CSP/i.test(message.text())) problems.push(message.text());
  });
  await page.addInitScript(() =>
    document.addEventListener("securitypolicyviolation", (event) =>
      console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI}`),
    ),
  );
  const answer = await page.goto(`${url}?query=${encodeURIComponent(operation)}`);
  expect(answer?.status()).toBe(200);
  await page.waitForLoadState("load");
  return { context, page, offHost, problems };
}

/** Runs the editor's operation; resolves with the calls its result carried, once the panel has drawn them. */
async function run(page: Page): Promise<WaterfallCall[]> {
  const posted = page.waitForResponse(
    (response) => response.request().method() === "POST" && !response.request().postData()?.includes("IntrospectionQuery"),
  );
  await page.locator(".graphiql-execute-button").click();
  const result = (await (await posted).json()) as { extensions: { trestle: { upstreamCalls: WaterfallCall[] } } };
  const calls = result.extensions.trestle.upstreamCalls;
  await page.locator(".trestle-waterfall-toggle", { hasText: `Upstream calls · ${calls.length}` }).waitFor();
  return calls;
}

/** The panel's rows, cell by cell, as the developer reads them. */
const rowsOf = (page: Page) =>
  page
    .locator(".trestle-waterfall-row")
    .evaluateAll((rows) =>
      rows.map((row) =>
        Object.fromEntries(
          [...row.querySelectorAll("td")].map((cell) => [cell.className.replace("trestle-waterfall-", ""), cell.textContent]),
        ),
      ),
    );

it("I24-5: the demo's N+1 query is drawn as four rows (route, batch size, cache status, timing); run again, every row is a cache hit", async () => {
  const { context, page, offHost, problems } = await openGraphiQL(`${server.url}/graphql`, nPlusOne);
  try {
    const toggle = page.locator(".trestle-waterfall-toggle");
    await expect(toggle.getAttribute("aria-expanded")).resolves.toBe("false");
    await toggle.click();
    const panel = page.locator(".trestle-waterfall-panel");
    await panel.waitFor({ state: "visible" });

    const first = await run(page);
    expect(await rowsOf(page)).toEqual(
      first.map((call) => ({
        upstream: "ml",
        method: "GET",
        route: call.route,
        status: "200",
        cache: "miss",
        batch: call.batch === undefined ? "-" : String(call.batch),
        start: call.start.toFixed(1),
        ms: call.ms.toFixed(1),
        timeline: "",
      })),
    );
    expect(first.map((call) => [call.route, call.batch])).toEqual([
      ["/experiments/{args.id}", undefined],
      ["/experiments/{parent.experiment_id}/runs?status={args.status}", undefined],
      ["/users?ids={keys}", 40],
      ["/teams?ids={keys*}", 6],
    ]);
    // Each bar sits on the operation's time axis: the batch calls after the list they complete.
    const bars = await page
      .locator(".trestle-waterfall-bar")
      .evaluateAll((elements) => elements.map((bar) => ({ left: parseFloat((bar as HTMLElement).style.left), kind: bar.className })));
    expect(bars.map((bar) => bar.kind)).toEqual(Array(4).fill("trestle-waterfall-bar trestle-waterfall-bar-upstream"));
    expect(bars.map((bar) => bar.left)).toEqual([...bars.map((bar) => bar.left)].sort((a, b) => a - b));
    await expect(page.locator(".trestle-waterfall-summary").textContent()).resolves.toMatch(/^anonymous operation: 4 calls in \d+\.\d ms$/);
    if (process.env["TRESTLE_WATERFALL_SCREENSHOT"]) {
      mkdirSync("docs/images", { recursive: true });
      await page.locator(".trestle-waterfall-panel").screenshot({ path: "docs/images/waterfall.png" });
    }

    // The same operation again is answered whole from the result cache: the panel says so.
    const posted = page.waitForResponse((response) => response.request().method() === "POST");
    await page.locator(".graphiql-execute-button").click();
    await posted;
    await page.locator(".trestle-waterfall-summary", { hasText: "Answered whole from the result cache" }).waitFor();
    await expect(page.locator(".trestle-waterfall-row").count()).resolves.toBe(0);

    // Another document executes: each of its reads is a hit in the shared cache.
    await page.goto(`${server.url}/graphql?query=${encodeURIComponent(`${nPlusOne.slice(0, -1)} __typename }`)}`);
    await page.waitForLoadState("load");
    if ((await page.locator(".trestle-waterfall-toggle").getAttribute("aria-expanded")) !== "true")
      await page.locator(".trestle-waterfall-toggle").click();
    const again = await run(page);
    expect((await rowsOf(page)).map((row) => [row["route"], row["batch"], row["cache"]])).toEqual([
      ["/experiments/{args.id}", "-", "hit"],
      ["/experiments/{parent.experiment_id}/runs?status={args.status}", "-", "hit"],
      ["/users?ids={keys}", "40", "hit"],
      ["/teams?ids={keys*}", "6", "hit"],
    ]);
    await expect(page.locator(".trestle-waterfall-bar.trestle-waterfall-bar-cache").count()).resolves.toBe(4);
    // The text view is formatWaterfall of the same calls.
    await page.locator(".trestle-waterfall-astext").click();
    await expect(page.locator(".trestle-waterfall-text").textContent()).resolves.toBe(formatWaterfall(again));

    expect(offHost).toEqual([]);
    expect(problems).toEqual([]);
  } finally {
    await context.close();
  }
}, 90_000);

it("I24-5: a subscription still streams its tokens with the panel watching; the panel says a streamed result has no call record", async () => {
  const operation = 'subscription { generate(model: "fraud-xgb", prompt: "Why was this flagged?", maxTokens: 3) { content } }';
  const { context, page, offHost, problems } = await openGraphiQL(`${server.url}/graphql`, operation);
  try {
    await page.locator(".graphiql-execute-button").click();
    // Each token replaces the one before in the result pane: the last stays.
    const last = generateTokens("fraud-xgb", "Why was this flagged?", 3).at(-1);
    await page
      .locator(".result-window")
      .filter({ hasText: `"content": "${last}"` })
      .waitFor();
    await page.locator(".trestle-waterfall-summary", { hasText: "streamed results carry no call record" }).waitFor({ state: "attached" });
    await expect(page.locator(".trestle-waterfall-row").count()).resolves.toBe(0);
    expect(offHost).toEqual([]);
    expect(problems).toEqual([]);
  } finally {
    await context.close();
  }
}, 90_000);

let hostile: TestUpstream;
let hostileTrestle: Trestle;
let hostileServer: TrestleServer;
beforeAll(async () => {
  hostile = await startTestUpstream((req, res) =>
    req.url.startsWith("/billing/")
      ? sendJson(res, 500, { error: "ledger down" })
      : sendJson(res, 200, { id: decodeURIComponent(req.url.slice("/people/".length)) }),
  );
  hostileTrestle = await createTestTrestle(
    `extend schema
       @upstream(name: "people", baseUrl: "${hostile.url}/people")
       @upstream(name: "billing", baseUrl: "${hostile.url}/billing")
     type Query {
       person(id: ID!): Thing @rest(upstream: "people", path: "/{args.id}")
       invoice(id: ID!): Thing @rest(upstream: "billing", path: "/invoices/{args.id}")
     }
     type Thing { id: ID }`,
    { debug: true },
  );
  hostileServer = await serveTrestle(hostileTrestle);
});
afterAll(async () => {
  await hostileServer?.close();
  await hostileTrestle?.close();
  await hostile?.close();
});

it("I24-5: markup in an argument, or anywhere in a forged record, is shown as text, never run; a failed call is drawn as an error; the next operation is drawn normally", async () => {
  const markup = '<img src=x onerror="window.__pwned=1">';
  const operation = `{ person(id: ${JSON.stringify(markup)}) { id } invoice(id: "9") { id } }`;
  const { context, page, offHost, problems } = await openGraphiQL(`${hostileServer.url}/graphql`, operation);
  try {
    await page.locator(".trestle-waterfall-toggle").click();
    const calls = await run(page);
    const rows = await rowsOf(page);
    expect(rows.map((row) => [row["upstream"], row["route"], row["status"]]).sort()).toEqual([
      ["billing", "/billing/invoices/{args.id}", "500"],
      ["people", "/people/{args.id}", "200"],
    ]);
    // The path with the caller's value is the row's tooltip, as text.
    const titles = await page
      .locator(".trestle-waterfall-row")
      .evaluateAll((elements) => elements.map((row) => (row as HTMLElement).title));
    expect(titles).toContain(`GET ${calls.find((call) => call.upstream === "people")!.path}`);
    await expect(page.locator(".trestle-waterfall img").count()).resolves.toBe(0);
    await expect(page.evaluate(() => (window as { __pwned?: number }).__pwned)).resolves.toBeUndefined();
    await expect(page.locator(".trestle-waterfall-bar.trestle-waterfall-bar-error").count()).resolves.toBe(1);

    // Whatever a result's record holds is written as text: every text field of a forged one is markup, its start not a number.
    const forged = {
      upstream: markup,
      method: markup,
      route: markup,
      path: markup,
      status: markup,
      batch: 2,
      start: markup,
      ms: 1,
      cache: { status: markup },
    };
    await page.route("**/graphql", (route) =>
      route.request().method() === "POST" && !route.request().postData()?.includes("IntrospectionQuery")
        ? route.fulfill({ json: { data: { person: null }, extensions: { trestle: { upstreamCallCount: 1, upstreamCalls: [forged] } } } })
        : route.continue(),
    );
    await run(page);
    await page.unroute("**/graphql");
    expect(await rowsOf(page)).toEqual([
      {
        upstream: markup,
        method: markup,
        route: markup,
        status: markup,
        cache: markup,
        batch: "2",
        start: "0.0",
        ms: "1.0",
        timeline: "",
      },
    ]);
    await page.locator(".trestle-waterfall-astext").click();
    await expect(page.locator(".trestle-waterfall-text").textContent()).resolves.toContain(markup);
    await page.locator(".trestle-waterfall-astext").click();
    await expect(page.locator(".trestle-waterfall img").count()).resolves.toBe(0);
    await expect(page.evaluate(() => (window as { __pwned?: number }).__pwned)).resolves.toBeUndefined();

    // A normal operation afterwards, on a fresh page: the panel opens as it was left, and draws it.
    await page.goto(`${hostileServer.url}/graphql?query=${encodeURIComponent('{ person(id: "7") { id } }')}`);
    await page.waitForLoadState("load");
    await expect(page.locator(".trestle-waterfall-toggle").getAttribute("aria-expanded")).resolves.toBe("true");
    const next = await run(page);
    expect(next.map((call) => call.path)).toEqual(["/people/7"]);
    expect((await rowsOf(page)).map((row) => [row["upstream"], row["route"], row["status"]])).toEqual([
      ["people", "/people/{args.id}", "200"],
    ]);
    expect(offHost).toEqual([]);
    expect(problems).toEqual([]);
  } finally {
    await context.close();
  }
}, 90_000);
