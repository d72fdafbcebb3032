import type { Plugin } from "graphql-yoga";
import { readJsonParams, readSearchParams } from "../execution/read-graphql-params.js";

/**
 * Yoga's lane reads GraphQL parameters with Trestle's readers (read-graphql-params.ts): malformed
 * `variables` or `extensions` in a GET or a form are a 400, not an internal error logged with
 * its stack for every request, and invalid JSON bodies do not carry the parser's error.
 * The requests matched are exactly those yoga's own GET, JSON and form parsers take; its body
 * size limit still wraps these readers.
 */
export function useRequestParams(): Plugin {
  return {
    onRequestParse({ request, setRequestParser }) {
      if (request.method === "GET") {
        setRequestParser((get) => readSearchParams(new URL(get.url).searchParams));
      } else if (request.method === "POST" && (isType(request, "application/json") || isType(request, "application/graphql+json"))) {
        setRequestParser(async (post) => readJsonParams(await post.text()));
      } else if (request.method === "POST" && isType(request, "application/x-www-form-urlencoded")) {
        setRequestParser(async (post) => readSearchParams(new URLSearchParams(await post.text())));
      }
    },
  };
}

/** Yoga's content-type match: the first listed type, exactly, parameters allowed. */
function isType(request: Request, type: string): boolean {
  const contentType = request.headers.get("content-type")?.split(",")[0];
  return contentType === type || (contentType?.startsWith(`${type};`) ?? false);
}
