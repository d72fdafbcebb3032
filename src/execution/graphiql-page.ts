import { createHash } from "node:crypto";
import { waterfallPanelScript } from "./waterfall-panel-script.js";

/** The GraphiQL page as served: every asset inline, and the policy that allows only the page itself. */
export interface GraphiQLPage {
  readonly html: Uint8Array<ArrayBuffer>;
  readonly contentSecurityPolicy: string;
}

/** What the page shows beside GraphiQL. */
export interface GraphiQLPageOptions {
  /**
   * The "Upstream calls" panel: the last operation's calls as a waterfall, read from the
   * debug extension (docs/waterfall.md). Only with `debug`, which adds that extension.
   * @default false
   */
  waterfall?: boolean;
}

/**
 * Builds GraphiQL with every script, style, font and worker inline (`@graphql-yoga/render-graphiql`,
 * ~9 MB), so the page needs no network beyond its own origin, posting to `endpoint`. Its
 * Content-Security-Policy allows only the page: its inline scripts by their SHA-256 (no
 * `unsafe-eval`: GraphiQL and Monaco run without it), Monaco's workers from the `blob:` URLs the
 * page makes of them, requests (GraphQL, and later SSE/WebSocket subscriptions) to its own origin.
 * Styles need `'unsafe-inline'`: React, Radix and Monaco set `style` attributes and add
 * `<style>` elements at run time; a style can still load nothing from another origin
 * (`img-src`, `font-src` and `default-src` are the page's own, plus `data:`). The package is
 * loaded here, on first use: importing it costs ~0.4 s and ~50 MB, which a server that never
 * serves GraphiQL (production) should not pay.
 */
export async function buildGraphiQLPage(endpoint: string, options: GraphiQLPageOptions = {}): Promise<GraphiQLPage> {
  const { renderGraphiQL } = await import("@graphql-yoga/render-graphiql");
  // GraphiQL runs subscriptions over SSE as a GET (graphql-sse's distinct connections), which the
  // CSRF rule refuses without x-trestle-csrf: the page is Trestle's own origin, so it sends it.
  let html = renderGraphiQL({ endpoint, title: "Trestle GraphiQL", additionalHeaders: { "x-trestle-csrf": "graphiql" } });
  // Past the first "</style>" the page is markup again: the panel's script goes right ahead of
  // GraphiQL's, to see the requests GraphiQL makes.
  const body = html.indexOf("</style>");
  if (options.waterfall === true) {
    const first = html.indexOf("<script", body);
    html = `${html.slice(0, first)}<script>${waterfallPanelScript(endpoint)}</script>\n${html.slice(first)}`;
  }
  // The browser ends an inline script at the first "</script>", and hashes exactly what lies between.
  const hashes: string[] = [];
  for (let open = html.indexOf("<script", body); open !== -1;) {
    const start = html.indexOf(">", open) + 1;
    const end = html.indexOf("</script>", start);
    if (end === -1) break;
    hashes.push(`'sha256-${createHash("sha256").update(html.slice(start, end), "utf8").digest("base64")}'`);
    open = html.indexOf("<script", end);
  }
  const directives = [
    "default-src 'self'",
    `script-src ${hashes.join(" ")}`,
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
