import { createHash } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { waterfallPanelScript } from "../../src/execution/waterfall-panel-script.js";
import type { Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";

// Issue 24, item 5 (I24-5): the GraphiQL page of a debug Trestle carries the "Upstream calls"
// panel as a second inline script, allowed by its own hash; without debug the page is unchanged.
// The panel in a browser: waterfall-panel.test.ts.
const schema = `extend schema @upstream(name: "api", baseUrl: "http://127.0.0.1:9")
  type Query { hello: String @rest(path: "/hello") }`;
let debug: Trestle;
let plain: Trestle;
beforeAll(async () => {
  debug = await createTestTrestle(schema, { debug: true, prefix: "/bff" });
  plain = await createTestTrestle(schema, { prefix: "/bff" });
});
afterAll(async () => {
  await debug?.close();
  await plain?.close();
});

const page = (trestle: Trestle) =>
  trestle.fetch(new Request("http://trestle.test/bff/graphql", { headers: { accept: "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8" } }));
/** Every inline script after the style, as the browser cuts it: from its tag to the first `</script>`. */
const scriptsOf = (html: string) => {
  const scripts: string[] = [];
  for (let open = html.indexOf("<script", html.indexOf("</style>")); open !== -1;) {
    const start = html.indexOf(">", open) + 1;
    const end = html.indexOf("</script>", start);
    scripts.push(html.slice(start, end));
    open = html.indexOf("<script", end);
  }
  return scripts;
};
const scriptSrc = (response: Response) =>
  /(?:^|; )script-src ([^;]+)/.exec(response.headers.get("content-security-policy") ?? "")?.[1]?.split(" ");
const hash = (script: string) => `'sha256-${createHash("sha256").update(script).digest("base64")}'`;

it("I24-5: with debug, the panel's script runs ahead of GraphiQL's, bound to the endpoint, and the policy allows both scripts by hash, nothing else", async () => {
  const response = await page(debug);
  expect(response.status).toBe(200);
  const scripts = scriptsOf(await response.text());
  expect(scripts).toHaveLength(2);
  expect(scripts[0]).toBe(waterfallPanelScript("/bff/graphql"));
  expect(scripts[0]).toContain('("/bff/graphql", ');
  expect(scripts[1]).toContain("renderYogaGraphiQL");
  expect(scriptSrc(response)).toEqual(scripts.map(hash));
  expect(response.headers.get("content-security-policy")).not.toContain("unsafe-eval");
});

it("I24-5: without debug, the page has no panel and the policy allows GraphiQL's one script", async () => {
  const response = await page(plain);
  const html = await response.text();
  expect(html).not.toContain("trestle-waterfall");
  const scripts = scriptsOf(html);
  expect(scripts).toHaveLength(1);
  expect(scriptSrc(response)).toEqual([hash(scripts[0]!)]);
});

it.each([["/graphql</script><script>alert(1)</script>"], ["/x<!--<script>"], ['/"+alert(1)+"'], ["/\u2028/graphql"]])(
  "I24-5: an endpoint that tries to end the script (%j) stays a string inside it",
  (endpoint) => {
    const script = waterfallPanelScript(endpoint);
    expect(script).not.toMatch(/<\/script|<!--|<script/i);
    // It parses, and the endpoint it passes is exactly the one given.
    let passed: unknown;
    new Function("installed", script.replace(/\(function installWaterfallPanel[\s\S]*?\n\}\)\(/, "(installed)("))((value: unknown) => {
      passed = value;
    });
    expect(passed).toBe(endpoint);
  },
);
