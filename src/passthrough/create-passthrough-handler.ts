import type { Env } from "../template/interpolate-env.js";
import type { TrestleOptions } from "../config/trestle-options.js";
import type { Answer } from "../http/answer.js";
import type { Exchange } from "../http/exchange.js";
import { FetchExchange } from "../http/fetch-exchange.js";
import type { Route } from "../http/route-table.js";
import type { UpstreamRequest } from "../upstream/upstream-request.js";
import { renderHeaderRules } from "../connector/build-request.js";
import { BadUserInputError } from "../errors.js";
import type { HttpMethod, UpstreamPlan } from "../plan/schema-plan.js";
import { withIdleTimeout } from "../upstream/buffer-upload.js";
import type { UpstreamPipeline } from "../pipeline/upstream-pipeline.js";
import { buildCachePolicy } from "../cache/build-cache-policy.js";
import { buildClientHeaders } from "./build-client-headers.js";
import { buildUpstreamHeaders } from "./build-upstream-headers.js";
import type { ForwardingPolicy } from "./create-forwarding-policy.js";
import { buildForwardedHeaders } from "./forwarded-headers.js";
import { createRouteMatcher, type RouteMatch } from "./match-route.js";
import { normalizePath } from "./normalize-path.js";
import { createProblemFromError, createProblemResponse, createRouteProblem } from "./problem-response.js";
import { keepAnswerPrivate } from "./keep-answer-private.js";
import { hideHopByHop } from "./strip-hop-by-hop.js";
import { readCappedChunks } from "../http/read-capped-body.js";
import { notePassthroughRoute } from "../tracing/trace-request.js";

export interface PassthroughHandlerOptions {
  /** The normalized mount prefix: "" or "/bff". */
  prefix: string;
  upstreams: Iterable<UpstreamPlan>;
  /** The pipeline's streaming send (UpstreamPipeline.stream). */
  stream: UpstreamPipeline["stream"];
  env: Env;
  context: TrestleOptions["context"];
  debug: boolean;
  /** What may be forwarded about the client's hop (`createTrestle({ passthrough })`). */
  forwarding: ForwardingPolicy;
}

/** The `/rest/<upstream>/…` routes: one Route of the table, served from either transport. */
export interface PassthroughHandler extends Route {
  /**
   * Whether a raw request target is the passthrough's to answer: `<prefix>/rest/…`, also
   * spelled absolute-form or `//host/…`, once any upstream declares `passthrough`. When
   * Trestle stands alone (no host app to hand over to), every target that is not a plain
   * path is claimed too, and refused with 400.
   */
  claims(target: string, standalone: boolean): boolean;
}

/**
 * A body this small with a Content-Length is read whole before sending (like nginx's
 * client_body_buffer_size): one write upstream instead of a chunk-by-chunk stream, and
 * undici's own header timeout. Larger bodies, and bodies of unknown length, stream.
 */
const inlineBodyBytes = 64 * 1024;
const plainPath = /^\/(?!\/)/;
const authorityForm = /^(?:[A-Za-z][A-Za-z0-9+.-]*:)?\/\/[^/?#]*(\/[^#]*)?$/;
const decimal = /^\d+$/;

/**
 * The passthrough route, one request at a time: check the raw target (normalizePath), match
 * the route (404, 405 with Allow), build the upstream headers from nothing (the declared
 * rules through the same renderer as `@rest`, negotiation and body fields, forwarding
 * headers), send through the pipeline's `stream`, and hand back the upstream's status,
 * headers (filtered) and body as it streams. Every failure is an RFC 9457 problem answer;
 * nothing thrown here reaches the server.
 */
export function createPassthroughHandler(options: PassthroughHandlerOptions): PassthroughHandler {
  const { prefix, stream, env, debug, forwarding } = options;
  const contextFor = options.context;
  const upstreams = [...options.upstreams];
  const root = `${prefix}/rest/`;
  const match = createRouteMatcher(prefix, upstreams);
  /** Without any `passthrough`, `<prefix>/rest/` is left to the host app; standing alone, it answers problem 404s. */
  const open = upstreams.some((u) => u.passthrough !== undefined);
  /** Upstreams whose header rules read `{context.X}`: only their requests pay for the context function. */
  const readsContext = new Set(
    upstreams.filter((u) => u.headers.some((rule) => rule.value?.variables.some((v) => v.root === "context") ?? false)).map((u) => u.name),
  );

  // S04: an answer to a request that carried the caller's identity stays private on the way out
  // too, unless the upstream's `cache: { scope: PUBLIC }` shares it across identities.
  const identityHeaders = new Map(upstreams.map((u) => [u.name, buildCachePolicy(u, u.headers, undefined).identityHeaders]));
  const sharedAcrossIdentities = new Set(upstreams.filter((u) => u.cache?.scope === "PUBLIC").map((u) => u.name));
  const carriesIdentity = (sent: Readonly<Record<string, string>>, upstream: string) => {
    for (const name of identityHeaders.get(upstream) ?? []) if ((sent[name] ?? "") !== "") return true;
    return false;
  };

  const answer = async (request: Exchange): Promise<Answer> => {
    const checked = normalizePath(request.target);
    if (!checked.ok) return createProblemResponse(checked.kind, checked.detail);
    const route = match(checked.target, request.method);
    if (route.kind !== "route") return createRouteProblem(route);
    try {
      return await forward(route, request);
    } catch (error) {
      return createProblemFromError(error, debug);
    }
  };

  const forward = async (route: Extract<RouteMatch, { kind: "route" }>, request: Exchange): Promise<Answer> => {
    const { upstream, passthrough } = route;
    notePassthroughRoute(request.trace, request.method, upstream.name, route.mount);
    const client = hideHopByHop(request.headers);
    // U18: a GET or HEAD body has no defined meaning (RFC 9110 §9.3.1) and is a smuggling
    // vector; it is dropped, and with it every header that describes it.
    let body = request.method === "GET" || request.method === "HEAD" ? null : request.body;
    const length = client.get("content-length");
    const declaredLength = length !== null && decimal.test(length) ? Number(length) : undefined;
    if (body !== null && declaredLength !== undefined) {
      if (declaredLength > passthrough.maxRequestBytes) {
        return createProblemResponse(
          "request-too-large",
          `The request body is larger than ${passthrough.maxRequestBytes} bytes, the limit for upstream "${upstream.name}".`,
          {
            upstream: upstream.name,
          },
        );
      }
      if (declaredLength <= inlineBodyBytes && typeof body !== "string" && !(body instanceof Uint8Array)) {
        const whole = await readCappedChunks(withIdleTimeout(body, upstream, request.signal), declaredLength);
        if (whole === undefined) throw new BadUserInputError("The request body is longer than its Content-Length.");
        body = whole;
      }
    }
    const context =
      contextFor !== undefined && readsContext.has(upstream.name) ? await contextFor(request.toRequest(), request.hostContext) : {};
    const scope = { args: {}, parent: undefined, env, headers: client, context };
    const declared = renderHeaderRules(upstream.headers, scope, `the passthrough route of upstream "${upstream.name}"`);
    const sent: UpstreamRequest = {
      upstream,
      method: request.method as HttpMethod,
      path: route.path,
      headers: buildUpstreamHeaders(declared, client, body !== null),
      body: undefined,
      trace: request.trace,
    };
    const answered = await stream(sent, body, {
      forwarded: buildForwardedHeaders(client, request, forwarding),
      signal: request.signal,
      maxRequestBytes: passthrough.maxRequestBytes,
    });
    const headers = buildClientHeaders(answered.headers, upstream, passthrough.setCookie, route.mount);
    const cacheControl = headers["cache-control"];
    if (typeof cacheControl === "string" && !sharedAcrossIdentities.has(upstream.name) && carriesIdentity(sent.headers, upstream.name)) {
      headers["cache-control"] = keepAnswerPrivate(cacheControl)!;
    }
    return { status: answered.status, headers, body: answered.body };
  };

  const unwritable = () =>
    createProblemResponse("upstream-bad-response", "The upstream's answer cannot be passed on (invalid status or header).");

  const claims = (target: string, standalone: boolean) => {
    // Standing alone, <prefix>/rest/… is always the passthrough's: with no upstream open it answers a problem+json 404.
    if (target.startsWith(root)) return open || standalone;
    if (!open) return false;
    if (plainPath.test(target)) return false;
    return standalone || (authorityForm.exec(target)?.[1]?.startsWith(root) ?? false);
  };

  return {
    claims,
    // A fetch Request's URL has been parsed: only its path can be the passthrough's.
    matches: (exchange) =>
      exchange.transport === "node" ? claims(exchange.target, exchange.standalone) : exchange.target.startsWith(root),
    name: () => "passthrough",
    answersPreflight: () => true,
    serve: (exchange) =>
      // A host framework has already read the body: it goes on re-serialised, as a WHATWG Request's.
      answer(
        exchange.bodySpent && exchange.method !== "GET" && exchange.method !== "HEAD"
          ? new FetchExchange(exchange.toRequest(), exchange.hostContext, { target: exchange.target, peer: exchange.peer })
          : exchange,
      ),
    unwritable,
  };
}
