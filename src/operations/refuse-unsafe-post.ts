import type { Answer } from "../http/answer.js";
import type { Exchange } from "../http/exchange.js";
import { requestProblem } from "./problem-answer.js";

/** Content types a browser may POST cross-site without a CORS preflight (Fetch standard, "CORS-safelisted"). */
const simpleContentTypes = new Set(["", "application/x-www-form-urlencoded", "multipart/form-data", "text/plain"]);

/**
 * The /graphql CSRF rule for a POST: one a browser could send cross-site without a preflight
 * (a form, `text/plain`, no Content-Type at all) is refused with 403 unless it carries
 * `x-trestle-csrf`; any body but JSON is then 415.
 */
export function refuseUnsafePost(exchange: Exchange, csrfPrevention: boolean): Answer | undefined {
  const type = (exchange.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (type === "application/json") return undefined;
  if (csrfPrevention && simpleContentTypes.has(type) && exchange.headers.get("x-trestle-csrf") === null) {
    return requestProblem(
      403,
      "CSRF_PREVENTED",
      `POST with ${type === "" ? "no Content-Type" : `Content-Type ${type}`} needs the x-trestle-csrf header (CSRF prevention); send application/json instead.`,
    );
  }
  return requestProblem(
    415,
    "UNSUPPORTED_MEDIA_TYPE",
    `POST bodies are JSON: send Content-Type application/json, received ${JSON.stringify(type)}`,
  );
}
