import { afterAll, beforeAll, expect, it } from "vitest";
import { startDemoUpstream, type DemoUpstream } from "../../src/demo/demo-upstream.js";
import { generateTokens } from "../../src/demo/routes-streams.js";
import type { Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { launchOfflineChromium, watchOffHost, type OfflineChromium } from "../helpers/launch-chromium.js";
import { serveTrestle, type TrestleServer } from "../passthrough/raw-http.js";

// Issue 18, point 6 (I18-6): GraphiQL, as `npm start` serves it, runs the demo's `generate`
// subscription out of the box in a real headless Chromium (offline but for 127.0.0.1): the
// tokens arrive in the result pane one by one while the upstream is still generating.
let demo: DemoUpstream;
let trestle: Trestle;
let server: TrestleServer;
let chromium: OfflineChromium;

beforeAll(async () => {
  // A pause between tokens longer than the test: token 2 arrives only once the test lets it.
  demo = await startDemoUpstream({ streamDelayMs: 60_000 });
  trestle = await createTestTrestle("schema/", { env: { DEMO_API_URL: demo.url } });
  server = await serveTrestle(trestle);
  chromium = await launchOfflineChromium();
}, 45_000);
afterAll(async () => {
  await chromium?.close();
  await server?.close();
  await trestle?.close();
  await demo?.close();
});

it("I18-6: GraphiQL runs subscription { generate } and shows the first token before the upstream has sent the rest", async () => {
  const context = await chromium.browser.newContext();
  try {
    const offHost = watchOffHost(context);
    const page = await context.newPage();
    // Generous for a loaded CI machine: a timeout here means the page or the payload never came.
    page.setDefaultTimeout(30_000);
    const pageErrors: string[] = [];
    page.on("pageerror", (error) => pageErrors.push(error.message));
    const operation = 'subscription { generate(model: "fraud-xgb", prompt: "Why was this flagged?", maxTokens: 3) { content } }';
    const answer = await page.goto(`${server.url}/graphql?query=${encodeURIComponent(operation)}`);
    expect(answer?.status()).toBe(200);
    await page.waitForLoadState("load");
    await page.locator(".graphiql-execute-button").click();
    const [first] = generateTokens("fraud-xgb", "Why was this flagged?", 3);
    const result = page.locator(".result-window");
    // Monaco draws spaces as U+00A0.
    await result
      .filter({ hasText: `"content": "${first}"` })
      .waitFor()
      .catch(async (error: unknown) => {
        throw new Error(
          `${String(error)}\nresult pane: ${await result.textContent()}\nupstream calls: ${JSON.stringify(demo.requests.map((r) => r.url))}`,
        );
      });
    expect(JSON.parse(((await result.textContent()) ?? "").replaceAll("\u00a0", " "))).toEqual({ data: { generate: { content: first } } });
    // The upstream has written one token and holds the others: the subscription is still open.
    expect(demo.requests.filter((r) => r.url === "/models/fraud-xgb/generate")).toHaveLength(1);
    expect(demo.requests.at(-1)?.abandoned).toBeUndefined();
    expect(offHost).toEqual([]);
    expect(pageErrors).toEqual([]);
  } finally {
    await context.close();
  }
}, 60_000);
