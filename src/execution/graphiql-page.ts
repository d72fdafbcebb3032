import { createHash } from "node:crypto";

/** The GraphiQL page as served: every asset inline, and the policy that allows only the page itself. */
export interface GraphiQLPage {
  readonly html: Uint8Array<ArrayBuffer>;
  readonly contentSecurityPolicy: string;
}

/**
 * Builds GraphiQL with every script, style, font and worker inline (`@graphql-yoga/render-graphiql`,
 * ~9 MB), so the page needs no network beyond its own origin, posting to `endpoint`. Its
 * Content-Security-Policy allows only the page: the one inline script by its SHA-256 (no
 * `unsafe-eval`: GraphiQL and Monaco run without it), Monaco's workers from the `blob:` URLs the
 * page makes of them, requests (GraphQL, and later SSE/WebSocket subscriptions) to its own origin.
 * Styles need `'unsafe-inline'`: React, Radix and Monaco set `style` attributes and add
 * `<style>` elements at run time; a style can still load nothing from another origin
 * (`img-src`, `font-src` and `default-src` are the page's own, plus `data:`). The package is
 * loaded here, on first use: importing it costs ~0.4 s and ~50 MB, which a server that never
 * serves GraphiQL (production) should not pay.
 */
export async function buildGraphiQLPage(endpoint: string): Promise<GraphiQLPage> {
  const { renderGraphiQL } = await import("@graphql-yoga/render-graphiql");
  // GraphiQL runs subscriptions over SSE as a GET (graphql-sse's distinct connections), which the
  // CSRF rule refuses without x-trestle-csrf: the page is Trestle's own origin, so it sends it.
  const html = renderGraphiQL({ endpoint, title: "Trestle GraphiQL", additionalHeaders: { "x-trestle-csrf": "graphiql" } });
  // The browser ends the inline script at the first "</script>", and hashes exactly what lies between.
  const start = html.indexOf(">", html.indexOf("<script", html.indexOf("</style>"))) + 1;
  const script = html.slice(start, html.indexOf("</script>", start));
  const scriptHash = createHash("sha256").update(script, "utf8").digest("base64");
  const directives = [
    "default-src 'self'",
    `script-src 'sha256-${scriptHash}'`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "worker-src blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ];
  return { html: new TextEncoder().encode(html), contentSecurityPolicy: directives.join("; ") };
}
