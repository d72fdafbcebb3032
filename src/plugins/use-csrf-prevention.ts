import type { Plugin } from "graphql-yoga";

/** Content types a browser may POST cross-site without a CORS preflight (Fetch standard, "CORS-safelisted"). */
const simpleContentTypes = new Set(["application/x-www-form-urlencoded", "multipart/form-data", "text/plain"]);

/**
 * CSRF prevention for browsers: a POST whose content type needs no CORS preflight (an HTML
 * form, `text/plain`) is refused with 403 unless it carries the `x-trestle-csrf` header, which
 * only a preflighted (so CORS-checked) request can add. JSON POSTs always need a preflight
 * cross-site; GET runs queries only (mutations over GET are refused by the server).
 */
export function useCsrfPrevention(graphqlPath: string): Plugin {
  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (request.method !== "POST" || url.pathname !== graphqlPath) return;
      const type = (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
      if (!simpleContentTypes.has(type) || request.headers.has("x-trestle-csrf")) return;
      endResponse(
        new fetchAPI.Response(
          JSON.stringify({
            errors: [
              {
                message: `POST with Content-Type ${type} needs the x-trestle-csrf header (CSRF prevention); send application/json instead.`,
                extensions: { code: "CSRF_PREVENTED" },
              },
            ],
          }),
          { status: 403, headers: { "content-type": "application/json" } },
        ),
      );
    },
  };
}
