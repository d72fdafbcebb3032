import type { TrestleResolverContext } from "../connector/create-resolvers.js";
import type { Answer } from "../http/answer.js";
import type { Exchange } from "../http/exchange.js";
import type { Route } from "../http/route-table.js";
import { ClientGone, type ClientSignal } from "../upstream/client-signal.js";
import type { StreamBody } from "../upstream/stream-upstream.js";
import { readMultipart, type MultipartLimits, type MultipartRequest } from "../uploads/read-multipart.js";
import { malformed, UploadRequestError } from "../uploads/upload-request-error.js";
import type { Lane } from "./create-graphql-route.js";
import type { GraphQLSchema } from "graphql";
import { checkUploadPaths } from "../uploads/check-upload-paths.js";

export interface UploadRouteOptions {
  lane: Lane;
  /** The client-facing schema: `map` must fill places its variables type `Upload`. */
  schema: GraphQLSchema;
  maxTokens: number;
  graphqlPath: string;
  /** `uploads.maxFileBytes`, `uploads.maxFiles`, and `limits.maxRequestBytes` for the text parts. */
  limits: MultipartLimits;
  /** The operation's context; `signal` aborts when the client goes or the request is refused midway. */
  createContext(exchange: Exchange, signal: ClientSignal): Promise<TrestleResolverContext>;
  /** Refuse a multipart request without a preflight-forcing header (createTrestle's `csrfPrevention`). */
  csrfPrevention: boolean;
}

/** Headers a browser adds only after a CORS preflight: a request carrying one was allowed cross-site, or is same-site. */
export const preflightHeaders = ["x-trestle-csrf", "apollo-require-preflight", "graphql-preflight"] as const;

const multipartType = /^multipart\/form-data\s*(?:;|$)/i;

/**
 * The upload route: `POST <prefix>/graphql` with `multipart/form-data`, the GraphQL multipart
 * request spec. An HTML form can send such a request cross-site without a preflight, so it
 * must carry one of `preflightHeaders` (403 CSRF_PREVENTED before the body is read). The body
 * is parsed as it streams (readMultipart): once `operations` and `map` are in, the operation
 * runs on the fast lane — the same validation, limits, masking and result step as a JSON
 * POST — with the files in its variables, each streamed to the call that sends it. Whatever
 * goes wrong with the body meanwhile (malformed 400, over a limit 413, the client gone)
 * aborts the operation's upstream calls, so no upstream sees a request complete, and is
 * answered instead of the result. Temporary files of spilled parts are deleted at the end.
 */
export function createUploadRoute(options: UploadRouteOptions): Route {
  const { lane, graphqlPath, limits, createContext } = options;
  return {
    matches: (exchange) =>
      exchange.method === "POST" && exchange.pathname === graphqlPath && multipartType.test(exchange.headers.get("content-type") ?? ""),
    name: () => "graphql",
    answersPreflight: () => true,
    async serve(exchange) {
      if (options.csrfPrevention && !preflightHeaders.some((name) => exchange.headers.get(name) !== null)) return csrfRefused();
      const body = exchange.bodySpent ? null : exchange.body;
      if (body === null) return refused(malformed("the body is empty (or a host framework has already read it)."));
      const signal = new ClientGone();
      const client = exchange.signal;
      if (client.aborted) return refused(malformed("the client left."));
      const onGone = () => signal.abort();
      client.addEventListener("abort", onGone, { once: true });
      let request: MultipartRequest | undefined;
      try {
        request = await readMultipart(asChunks(body), exchange.headers.get("content-type") ?? "", limits);
        const misplaced = checkUploadPaths(options.schema, request.operations, request.paths, options.maxTokens);
        if (misplaced !== undefined) throw misplaced;
        const ran = lane({
          body: request.operations,
          accept: exchange.headers.get("accept"),
          createContext: () => createContext(exchange, signal),
          log: exchange.log,
        });
        const answer = await Promise.race([ran, request.failure]);
        await request.end();
        return (
          answer ??
          refused(malformed(`"operations" must hold a query or mutation (a "query" string, "variables" an object), answered as JSON.`))
        );
      } catch (error) {
        signal.abort();
        request?.abort(error);
        // Anything else is a bug: the route table answers 500, never echoing it.
        if (!(error instanceof UploadRequestError)) throw error;
        return refused(error);
      } finally {
        client.removeEventListener("abort", onGone);
        void request?.cleanup();
      }
    },
  };
}

/** The body as chunks, whichever form the transport gave it in. */
function asChunks(body: StreamBody): AsyncIterable<Uint8Array> {
  if (typeof body !== "string" && !(body instanceof Uint8Array)) return body;
  return (async function* () {
    yield typeof body === "string" ? Buffer.from(body) : body;
  })();
}

function refused(error: UploadRequestError): Answer {
  return json(error.status, { errors: [{ message: error.message, extensions: { code: error.code } }] });
}

function csrfRefused(): Answer {
  return json(403, {
    errors: [
      {
        message: `A multipart/form-data POST needs one of the headers ${preflightHeaders.join(", ")} (CSRF prevention: a browser sends them only after a CORS preflight); nothing was read or sent.`,
        extensions: { code: "CSRF_PREVENTED" },
      },
    ],
  });
}

function json(status: number, body: unknown): Answer {
  return { status, headers: { "content-type": "application/json; charset=utf-8" }, body: JSON.stringify(body) };
}
