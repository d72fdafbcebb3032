import { getOperationAST, parse } from "graphql";
import type { Plugin } from "graphql-yoga";

/** Content types a browser may POST cross-site without a CORS preflight (Fetch standard, "CORS-safelisted"). */
const simpleContentTypes = new Set(["application/x-www-form-urlencoded", "multipart/form-data", "text/plain"]);

/**
 * CSRF prevention for browsers: a POST whose content type needs no CORS preflight (an HTML
 * form, `text/plain`) is refused with 403 unless it carries the `x-trestle-csrf` header, which
 * only a preflighted (so CORS-checked) request can add. JSON POSTs always need a preflight
 * cross-site; GET runs queries only (mutations over GET are refused by the server), and a
 * subscription over GET asking for `text/event-stream` (as a browser's EventSource sends it,
 * cross-site, with cookies) needs the header too: it would start an upstream stream (tokens
 * cost money) before CORS could hide the answer.
 */
export function useCsrfPrevention(graphqlPath: string): Plugin {
  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (url.pathname !== graphqlPath || request.headers.has("x-trestle-csrf")) return;
      let message: string;
      if (request.method === "GET") {
        if (!(request.headers.get("accept") ?? "").toLowerCase().includes("text/event-stream") || !isSubscription(url)) return;
        message = "A subscription over GET needs the x-trestle-csrf header (CSRF prevention); POST it as application/json instead.";
      } else {
        if (request.method !== "POST") return;
        const type = (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
        if (!simpleContentTypes.has(type)) return;
        message = `POST with Content-Type ${type} needs the x-trestle-csrf header (CSRF prevention); send application/json instead.`;
      }
      endResponse(
        new fetchAPI.Response(JSON.stringify({ errors: [{ message, extensions: { code: "CSRF_PREVENTED" } }] }), {
          status: 403,
          headers: { "content-type": "application/json" },
        }),
      );
    },
  };
}

/** Whether a GET's `query` is a subscription (parsed only for GETs asking for server-sent events); one that does not parse is yoga's to refuse. */
function isSubscription(url: URL): boolean {
  const query = url.searchParams.get("query");
  if (query === null) return false;
  try {
    return getOperationAST(parse(query), url.searchParams.get("operationName"))?.operation === "subscription";
  } catch {
    return false;
  }
}
