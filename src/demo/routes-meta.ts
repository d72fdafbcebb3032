import { cachePolicy } from "./cache-policy.js";
import { openApiDocument } from "./openapi.js";
import type { DemoRoute } from "./router.js";

/** Health and the service's own OpenAPI document. */
export const metaRoutes: DemoRoute[] = [
  {
    method: "GET",
    path: "/healthz",
    handle: () => ({ body: { status: "ok" }, cacheControl: cachePolicy.health }),
  },
  {
    method: "GET",
    path: "/openapi.json",
    handle({ headers }) {
      // `servers` names the address the document was fetched from, so an importer can
      // take the base URL from it (FastAPI does the same behind a `root_path`).
      const servers = headers.host === undefined ? [] : [{ url: `http://${headers.host}` }];
      return { body: { ...openApiDocument, servers }, cacheControl: cachePolicy.openapi };
    },
  },
];
