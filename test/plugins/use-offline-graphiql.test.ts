import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { serveTrestle, type TrestleServer } from "../passthrough/raw-http.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";

// GraphiQL is served from the package (no CDN) with a Content-Security-Policy that allows only
// the page itself; the browser side (Chromium, network closed) is test/browser/graphiql-offline.test.ts.
const schema = `extend schema @upstream(name: "api", baseUrl: "http://127.0.0.1:9")
  type Query { hello: String @rest(path: "/hello") }`;
let trestle: Trestle;
let served: TrestleServer;

beforeAll(async () => {
  trestle = await createTestTrestle(schema, { prefix: "/bff" });
  served = await serveTrestle(trestle);
});
afterAll(async () => {
  await served.close();
  await trestle.close();
});

const html = { accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8" };
/** The page, through `trestle.fetch` and through `trestle.handle` on a loopback server. */
const pages = async (path: string, headers: Record<string, string> = html) => [
  await trestle.fetch(new Request(`http://trestle.test${path}`, { headers })),
  await fetch(`${served.url}${path}`, { headers }),
];
const directivesOf = (policy: string) =>
  new Map(
    policy
      .split(";")
      .map((d) => d.trim().split(/\s+/) as [string, ...string[]])
      .map(([name, ...values]) => [name, values]),
  );

describe("GraphiQL served offline", () => {
  it("the page loads nothing from another origin: no http(s) or scheme-relative <script src>, <link href>, <img src>", async () => {
    for (const page of await pages("/bff/graphql")) {
      expect(page.status).toBe(200);
      const text = await page.text();
      const references = [...text.matchAll(/<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=\s*["']?([^"'\s>]+)/gi)].map((m) => m[1]!);
      expect(references.filter((url) => /^(?:https?:)?\/\//i.test(url))).toEqual([]);
      expect(text).not.toMatch(/unpkg\.com|jsdelivr|cdnjs/);
      expect(text).toContain("Trestle GraphiQL");
      expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    }
  });

  it("posts to the GraphQL endpoint under the prefix", async () => {
    for (const page of await pages("/bff/graphql")) expect(await page.text()).toContain('"endpoint":"/bff/graphql"');
  });

  it("carries a Content-Security-Policy that allows only itself: its one inline script by hash, no eval, requests to its own origin", async () => {
    for (const page of await pages("/bff/graphql?query=%7B%20hello%20%7D")) {
      const policy = page.headers.get("content-security-policy");
      expect(policy).not.toBeNull();
      const directives = directivesOf(policy!);
      expect(directives.get("default-src")).toEqual(["'self'"]);
      expect(directives.get("connect-src")).toEqual(["'self'"]);
      expect(directives.get("frame-ancestors")).toEqual(["'none'"]);
      expect(directives.get("object-src")).toEqual(["'none'"]);
      expect(policy).not.toContain("unsafe-eval");
      const text = await page.text();
      // The hash is of exactly what the browser runs: from the <script> tag to the first </script>.
      const start = text.indexOf(">", text.indexOf("<script", text.indexOf("</style>"))) + 1;
      const script = text.slice(start, text.indexOf("</script>", start));
      // One script element: none before it, none after it ends.
      expect(text.slice(0, start).match(/<script\b/g)).toHaveLength(1);
      expect(text.slice(text.indexOf("</script>", start) + 9)).not.toMatch(/<script\b/);
      expect(directives.get("script-src")).toEqual([`'sha256-${createHash("sha256").update(script).digest("base64")}'`]);
    }
  });

  it("the policy is on the GraphiQL page only, not on GraphQL answers, GET queries or health", async () => {
    const answers = [
      await fetch(`${served.url}/bff/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: "{ hello }" }),
      }),
      await fetch(`${served.url}/bff/graphql?query=%7B%20hello%20%7D`, { headers: { accept: "application/json" } }),
      await fetch(`${served.url}/bff/healthz`, { headers: html }),
    ];
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.headers.get("content-security-policy")).toBeNull();
      expect(answer.headers.get("content-type")).not.toContain("text/html");
    }
  });

  it("with `graphiql: false` (or NODE_ENV=production) there is no page at all", async () => {
    for (const options of [{ graphiql: false }, { env: { NODE_ENV: "production" } }]) {
      const off = await createTestTrestle(schema, options);
      try {
        const answer = await off.fetch(new Request("http://trestle.test/graphql", { headers: html }));
        expect(answer.headers.get("content-type") ?? "").not.toContain("text/html");
        expect(answer.headers.get("content-security-policy")).toBeNull();
        expect(await answer.text()).not.toContain("GraphiQL");
      } finally {
        await off.close();
      }
    }
  });
});
