import { afterAll, beforeAll, expect, it } from "vitest";
import { launchOfflineChromium, watchOffHost, type OfflineChromium } from "../helpers/launch-chromium.js";
import { sendJson } from "../helpers/test-upstream.js";
import { useServedTrestle } from "../helpers/use-served-trestle.js";

// GraphiQL in a real headless Chromium with the network closed to everything but 127.0.0.1:
// the page, its scripts, styles, fonts and workers all come from Trestle, under its own
// Content-Security-Policy, and a query run from the page reaches the upstream.
const world = useServedTrestle({
  upstream: (_req, res) => sendJson(res, 200, { id: "7", name: "seventh" }),
  schema: (url) => `extend schema @upstream(name: "api", baseUrl: "${url}")
    type Query { item: Item @rest(path: "/items/7") }
    type Item { id: ID name: String }`,
  options: { prefix: "/bff" },
});
let chromium: OfflineChromium;
beforeAll(async () => void (chromium = await launchOfflineChromium()), 45_000);
afterAll(async () => await chromium?.close());

it("GraphiQL under a prefix runs a query offline: result in the result pane, CSP header present, no CSP violation, nothing blocked", async () => {
  const context = await chromium.browser.newContext();
  try {
    const offHost = watchOffHost(context);
    const page = await context.newPage();
    // Generous for a loaded CI machine (it takes ~3 s idle): a timeout here means the page never came up.
    page.setDefaultTimeout(30_000);
    const violations: string[] = [];
    page.on("console", (message) => {
      if (/Content Security Policy|CSP/i.test(message.text())) violations.push(message.text());
    });
    await page.addInitScript(() =>
      document.addEventListener("securitypolicyviolation", (event) =>
        console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI}`),
      ),
    );
    const pageErrors: string[] = [];
    page.on("pageerror", (error) => pageErrors.push(error.message));

    const answer = await page.goto(`${world.served.url}/bff/graphql?query=${encodeURIComponent("{ item { id name } }")}`);
    expect(answer?.status()).toBe(200);
    // Every script, style, font and worker came with the page: nothing was asked of another host.
    await page.waitForLoadState("load");
    expect(offHost).toEqual([]);
    await page.locator(".graphiql-execute-button").click();
    const result = page.locator(".result-window");
    await result.filter({ hasText: '"name": "seventh"' }).waitFor();
    // Monaco draws spaces as U+00A0.
    expect(JSON.parse(((await result.textContent()) ?? "").replaceAll("\u00a0", " "))).toEqual({
      data: { item: { id: "7", name: "seventh" } },
    });
    // The query went to /bff/graphql and on to the upstream.
    expect(world.upstream.requests.map((r) => r.url)).toContain("/items/7");

    expect(offHost).toEqual([]);
    const policy = answer?.headers()["content-security-policy"] ?? "";
    expect(policy).toMatch(/(^|; )default-src 'self'(;|$)/);
    expect(policy).toMatch(/(^|; )script-src 'sha256-[A-Za-z0-9+/=]+'(;|$)/);
    expect(policy).not.toContain("unsafe-eval");
    expect(violations).toEqual([]);
    expect(pageErrors).toEqual([]);
  } finally {
    await context.close();
  }
}, 60_000);
