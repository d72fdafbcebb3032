import { shouldRenderGraphiQL, type Plugin } from "graphql-yoga";
import { buildGraphiQLPage, type GraphiQLPage, type GraphiQLPageOptions } from "../execution/graphiql-page.js";

/**
 * Serves GraphiQL from the package instead of yoga's page, whose assets come from a public CDN
 * (offline, behind a proxy or under a strict CSP it never loads). Yoga renders its page in its
 * own request hook, ahead of any plugin, and a renderer can only return the body: so this
 * replaces the page yoga answered (GET, `Accept: text/html`, `text/html` back) with the
 * offline one and its Content-Security-Policy, on that page only. Built on first use (~9 MB,
 * hashed once), then the same bytes for every browser; other answers pass untouched, synchronously.
 * With `{ waterfall: true }` (debug mode) the page also shows the "Upstream calls" panel.
 */
export function useOfflineGraphiQL(endpoint: string, options: GraphiQLPageOptions = {}): Plugin {
  let built: Promise<GraphiQLPage> | undefined;
  return {
    onResponse({ request, response, setResponse }) {
      if (response.status !== 200 || response.headers.get("content-type") !== "text/html" || !shouldRenderGraphiQL(request)) return;
      return (built ??= buildGraphiQLPage(endpoint, options)).then((page) =>
        setResponse(
          new Response(page.html, {
            status: 200,
            headers: {
              "content-type": "text/html; charset=utf-8",
              "content-security-policy": page.contentSecurityPolicy,
              "x-content-type-options": "nosniff",
              "referrer-policy": "no-referrer",
            },
          }),
        ),
      );
    },
  };
}
