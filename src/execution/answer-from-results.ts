import type { StoredAnswer } from "./create-operation-results.js";
import type { ResultAnswer } from "./create-result-step.js";

/**
 * A result-cache hit as the client gets it: the stored body (made without debug extensions),
 * `Cache-Control`/`Vary` as stored (re-dated). In debug mode the extension shows no upstream
 * call and `resultCache: "hit"`.
 */
export function answerFromResults(mediaType: string, hit: StoredAnswer, debug: boolean): ResultAnswer {
  const headers = { "content-type": contentTypeOf(mediaType), ...hit.headers };
  if (!debug) return { status: 200, headers, body: hit.body };
  const extensions = { trestle: { upstreamCallCount: 0, upstreamCalls: [], resultCache: "hit" } };
  // Stored bodies are `{"data":…}` (no errors, no extensions): the extension goes before the last brace.
  return { status: 200, headers, body: `${hit.body.slice(0, -1)},"extensions":${JSON.stringify(extensions)}}` };
}

/** Each media type's Content-Type, made once (a flat string: not rebuilt and flattened per hit). */
const contentTypes = new Map<string, string>();
function contentTypeOf(mediaType: string): string {
  let value = contentTypes.get(mediaType);
  if (value === undefined) contentTypes.set(mediaType, (value = `${mediaType}; charset=utf-8`));
  return value;
}
