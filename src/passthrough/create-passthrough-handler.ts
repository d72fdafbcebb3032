import type { ServerResponse } from "node:http";
import { serveNodeRequest, type NodeRequest } from "../http/serve-node-request.js";
import type { Env } from "../template/interpolate-env.js";
import type { HostContext, TrestleOptions } from "../config/trestle-options.js";
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
import type { PassthroughAnswer, PassthroughRequest } from "./passthrough-exchange.js";
import { createProblemFromError, createProblemResponse, createRouteProblem } from "./problem-response.js";
import { readFetchRequest } from "./read-fetch-request.js";
import { readNodeRequest } from "./read-node-request.js";
import { keepAnswerPrivate } from "./keep-answer-private.js";
import { hideHopByHop } from "./strip-hop-by-hop.js";
import { toFetchResponse } from "./to-fetch-response.js";
import { writeNodeAnswer } from "./write-node-answer.js";
import { readCappedChunks } from "../http/read-capped-body.js";

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

/** The `/rest/<upstream>/…` routes, served from a WHATWG Request or straight from node:http. */
export interface PassthroughHandler {
  /**
   * Whether a raw request target is the passthrough's to answer: `<prefix>/rest/…`, also
   * spelled absolute-form or `//host/…`, once any upstream declares `passthrough`. When
   * Trestle stands alone (no host app to hand over to), every target that is not a plain
   * path is claimed too, and refused with 400.
   */
  claims(target: string, standalone: boolean): boolean;
  /** `claims` for a fetch Request's URL. */
  claimsUrl(url: string): boolean;
  fetch(request: Request, host: HostContext): Promise<Response>;
  /** The node:http fast lane: no WHATWG conversion, the Node streams piped both ways. */
  handle(req: NodeRequest, res: ServerResponse): Promise<void>;
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

  const answer = async (request: PassthroughRequest): Promise<PassthroughAnswer> => {
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

  const forward = async (route: Extract<RouteMatch, { kind: "route" }>, request: PassthroughRequest): Promise<PassthroughAnswer> => {
    const { upstream, passthrough } = route;
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

  const respond = async (request: PassthroughRequest): Promise<Response> => {
    const answered = await answer(request);
    try {
      return toFetchResponse(answered, request.method);
    } catch {
      if (answered.body !== null && typeof answered.body !== "string") answered.body.destroy();
      return toFetchResponse(
        createProblemResponse("upstream-bad-response", "The upstream's answer cannot be passed on (invalid status or header)."),
        request.method,
      );
    }
  };

  return {
    claims: (target, standalone) => {
      if (target.startsWith(root)) return open || standalone;
      if (!open) return false;
      if (plainPath.test(target)) return false;
      return standalone || (authorityForm.exec(target)?.[1]?.startsWith(root) ?? false);
    },
    claimsUrl: (url) => {
      const pathAt = url.indexOf("/", url.indexOf("://") + 3);
      return pathAt !== -1 && url.startsWith(root, pathAt);
    },
    fetch: (request, host) => respond(readFetchRequest(request, host)),
    handle: async (req, res) => {
      const target = req.originalUrl ?? req.url ?? "/";
      const host: HostContext = { req, res };
      if (req.readableEnded && req.method !== "GET" && req.method !== "HEAD") {
        // A host framework has already read the body: the adapters' conversion re-serialises it.
        const raw = { target, peer: req.socket.remoteAddress };
        await serveNodeRequest((request) => respond(readFetchRequest(request, host, raw)), req, res, { host });
        return;
      }
      const answered = await answer(readNodeRequest(req, res, target));
      try {
        await writeNodeAnswer(res, answered);
      } catch {
        if (answered.body !== null && typeof answered.body !== "string") answered.body.destroy();
        if (res.headersSent) res.destroy();
        else {
          for (const name of res.getHeaderNames()) res.removeHeader(name);
          await writeNodeAnswer(
            res,
            createProblemResponse("upstream-bad-response", "The upstream's answer cannot be passed on (invalid status or header)."),
          );
        }
      }
    },
  };
}
