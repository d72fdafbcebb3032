import type { IncomingMessage, ServerResponse } from "node:http";
import type { PinoLike } from "../logging/pino-like.js";
import type { CacheOptions } from "../cache/cache-options.js";
import type { Env } from "../template/interpolate-env.js";
import type { OutgoingUpstreamRequest, UpstreamFetch } from "../upstream/upstream-transport-options.js";
import type { LimitsOptions } from "./limits-options.js";
import type { PassthroughOptions } from "./passthrough-options.js";
import type { UploadOptions } from "./upload-options.js";

/**
 * CORS for every route (GraphQL, passthrough, health, metrics), in graphql-yoga's option form.
 * `origin` lists the origins a browser may call from: exact origins (`https://app.example.com`),
 * a port wildcard (`http://localhost:*`) or `"*"` (any origin, answered `*`, never the
 * request's own Origin, and never with credentials). An Origin not listed gets no CORS headers.
 */
export interface CorsOptions {
  /** @example ["https://app.example.com", "http://localhost:*"] */
  origin?: string | readonly string[];
  /** Methods a preflight allows. @default ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"] */
  methods?: readonly string[];
  /** Request headers a preflight allows. @default the headers the preflight asks for */
  allowedHeaders?: readonly string[];
  /** Response headers the browser lets scripts read, besides `Cache-Status` (always exposed). @default [] */
  exposedHeaders?: readonly string[];
  /** `Access-Control-Allow-Credentials: true`; only with an explicit origin list (no `*`, no port wildcard). @default false */
  credentials?: boolean;
  /** Seconds a browser may keep a preflight's answer. @default none (the browser's own) */
  maxAge?: number;
}

/** Per-upstream settings that override what the SDL's `@upstream` says (tests, apps, deployments). */
export interface UpstreamOptions {
  /**
   * Replaces `@upstream(baseUrl:)`; `{env.X}` is interpolated here too.
   * @example "http://127.0.0.1:8080/api"
   */
  baseUrl?: string;
  /** One attempt, from sending to the answer's last byte. @default 10000 */
  timeoutMs?: number;
  /** Decoded bytes of one answer. @default 10485760 (10 MiB) */
  maxResponseBytes?: number;
  /**
   * Header rules added to the `@upstream`'s, in the same `{ name, value | from }` form and
   * checked the same way; a rule here replaces an SDL rule of the same name. Values are
   * templates: `{env.X}`, `{header.X}` and `{context.X}` are available.
   * @default [] (only the SDL's rules)
   * @example [{ name: "x-tenant", value: "{context.tenant}" }, { name: "x-request-id", from: "x-request-id" }]
   */
  headers?: readonly HeaderRuleOptions[];
}

/**
 * What the host framework handed Trestle with a request, for `context`. Which members are set
 * depends on the entry point; all are empty for a bare `trestle.fetch(request)`.
 */
export interface HostContext {
  /**
   * The Node request, with whatever the app's middleware put on it (Express's `req.user`):
   * set by `trestle.handle`, the Express, Koa (`ctx.req`) and Fastify (`request.raw`) adapters,
   * and for operations over WebSocket (`trestle.upgrade`), the upgrade request — left out when the
   * upgrade's Origin is allowed without credentials (its cookies must not count there).
   */
  readonly req?: IncomingMessage;
  /** The Node response (Express's `res.locals`), next to `req`. */
  readonly res?: ServerResponse;
  /**
   * The framework's own per-request object: Koa's `ctx` (`ctx.state.user`), Fastify's
   * `request` (`request.user`), Hono's `c` (`c.get("user")`).
   */
  readonly framework?: unknown;
}

/**
 * One upstream header: either a value (a template) or a client request header to forward.
 * `identity`: whether the value identifies the caller (answers per identity) or only varies
 * the cache key; as the SDL rule's `identity:`.
 */
export type HeaderRuleOptions =
  { name: string; value: string; from?: never; identity?: boolean } | { name: string; from: string; value?: never; identity?: boolean };

export interface TrestleOptions {
  /**
   * The SDL: a folder (every .graphql/.graphqls/.gql below it), a file, a list of files, or SDL text.
   * @example "schema/"
   */
  schema: string | readonly string[];
  /**
   * Serve every route under this path: `/bff/graphql`, `/bff/healthz`, `/bff/readyz`.
   * Routes are matched on the full request path, also when a framework mounts Trestle.
   * @default "" (the root)
   * @example "/bff"
   */
  prefix?: string;
  /**
   * Overrides of `@upstream` settings, by upstream name (every name must be declared in the SDL).
   * @default {} (the SDL as written)
   * @example { ml: { baseUrl: process.env.ML_URL, headers: [{ name: "x-api-key", value: "{env.ML_KEY}" }] } }
   */
  upstreams?: Readonly<Record<string, UpstreamOptions>>;
  /**
   * Derives per-request values from the host request, readable in templates and header rules
   * as `{context.X}` (e.g. the app's authenticated user). `host` holds what the host framework
   * handed over (see {@link HostContext}); it is empty for a bare `trestle.fetch(request)`.
   * @default undefined (`{context.X}` is then a schema error)
   * @example context: (request, { req }) => ({ user: { id: (req as AuthedRequest | undefined)?.user?.id } })
   */
  context?: (request: Request, host: HostContext) => Readonly<Record<string, unknown>> | Promise<Readonly<Record<string, unknown>>>;
  /**
   * Called right before each upstream request is sent (not for answers served from the cache),
   * to sign or decorate it: add a service token, an HMAC of the body, a trace header. If it
   * throws (or rejects), nothing is sent and the field gets an `UPSTREAM_REQUEST_HOOK_FAILED`
   * error; the hook's own message is only shown in debug mode.
   * @default undefined (requests are sent as built)
   * @example
   * onUpstreamRequest: ({ upstream, headers }) => {
   *   if (upstream === "ml") headers.set("authorization", `Bearer ${serviceToken()}`);
   * }
   */
  onUpstreamRequest?: (request: OutgoingUpstreamRequest) => void | Promise<void>;
  /**
   * Send upstream calls with this function instead of Trestle's pooled HTTP client, e.g. the
   * app's instrumented `fetch`. Redirects are still never followed (`redirect: "manual"`),
   * `timeoutMs` still aborts each call through its `signal`, and `maxResponseBytes` still caps
   * the body. It must decode `Content-Encoding` as WHATWG `fetch` does.
   * @default undefined (an undici keep-alive pool per upstream)
   * @example fetch: (url, init) => tracedFetch(url, init)
   */
  fetch?: UpstreamFetch;
  /**
   * The shared response cache (see "Caching" in the README): size in bytes, stale-if-error
   * default, or `enabled: false`; `results: false` turns off only the result cache (docs/result-cache.md).
   * @default { enabled: true, maxSize: 52428800, maxEntrySize: 5242880, staleIfErrorSeconds: 0 }
   * @example { maxSize: 256 * 1024 * 1024, staleIfErrorSeconds: 60 }
   */
  cache?: CacheOptions;
  /** Environment for `{env.X}`. @default process.env */
  env?: Env;
  /**
   * Show upstream error details and each operation's upstream calls (`extensions.trestle`)
   * to clients. Never turn on where clients are untrusted.
   * @default false
   */
  debug?: boolean;
  /** Serve GraphiQL to browsers at the GraphQL endpoint. @default true, false when NODE_ENV=production */
  graphiql?: boolean;
  /** Answer introspection queries (`__schema`, `__type`). @default true, false when NODE_ENV=production */
  introspection?: boolean;
  /**
   * Request-shape limits, each answered with HTTP 400 and a stable `extensions.code` before
   * any upstream call (see "Security and limits" in the README).
   * @example { maxDepth: 10, maxCost: 500 }
   */
  limits?: LimitsOptions;
  /**
   * What the passthrough routes forward about the client's hop: which public hosts go
   * upstream as `X-Forwarded-Host`, which peers' `X-Forwarded-For` chains are continued.
   * @default {} (no client host forwarded; every chain starts at the socket peer)
   * @example { forwardedHosts: ["api.example.com"], trustedProxies: ["10.0.0.0/8"] }
   */
  passthrough?: PassthroughOptions;
  /**
   * GraphQL multipart requests (file uploads, the `Upload` scalar): the largest file and the
   * most files in one request; past them 413 UPLOAD_TOO_LARGE (docs/uploads.md).
   * @default { maxFileBytes: 52428800, maxFiles: 10 }
   */
  uploads?: UploadOptions;
  /**
   * Named operations served as REST endpoints (`<prefix>/api/<name>`, with an OpenAPI 3.1
   * document at `<prefix>/api/openapi.json`) and as MCP tools (`<prefix>/mcp`): a folder of
   * .graphql files, or a list of files. Each operation is validated against the schema at
   * startup (SchemaError with file:line:col); only these operations run there (docs/operations.md).
   * @default undefined (no /api, no /mcp)
   * @example "operations/"
   */
  operations?: string | readonly string[];
  /**
   * Refuse (403) GraphQL POSTs a browser could send cross-site without a CORS preflight
   * (form and `text/plain` content types) unless they carry the `x-trestle-csrf` header.
   * @default true
   */
  csrfPrevention?: boolean;
  /**
   * CORS for every route (GraphQL over POST and GET, passthrough, health, metrics), in
   * graphql-yoga's option form. Unset or `false`: no CORS headers (the host app owns CORS);
   * `true`: any origin as `*`, without credentials; an object: the listed origins only
   * (an Origin is never echoed unless listed), `Vary: Origin` on every answer. Preflights
   * are answered by Trestle with 204, never forwarded upstream.
   * @default undefined (no CORS headers)
   * @example { origin: ["https://app.example.com"], credentials: true }
   */
  cors?: boolean | CorsOptions;
  /**
   * Serve Prometheus metrics at `<prefix>/metrics`: HTTP requests, upstream calls, cache reads,
   * breaker states (see "Metrics" in the README). `false` turns the route off.
   * @default true
   */
  metrics?: boolean;
  /**
   * Secret that page cursors (`paginate:` fields) are sealed with: give every replica and worker
   * the same one, stable across restarts, so that a client's cursor works wherever it lands.
   * @default the `TRESTLE_CURSOR_SECRET` environment variable, else a random per-process key (and a startup warning)
   */
  cursorSecret?: string;
  /** graphql-yoga's logging: `false` silences it. @default true */
  logging?: boolean;
  /**
   * One JSON line per request (method, route, status, duration, operation name, upstream calls,
   * cache results, trace id; never header values, query strings or variables) through a
   * pino-compatible logger, which also gets yoga's own messages (see docs/logging.md). Off by
   * default: an embedding app has its own access log. `trestle serve` passes a pino logger.
   * @default undefined (no request lines)
   * @example pino({ level: "info" })
   */
  logger?: PinoLike | false;
  /** Folder that relative schema paths are read from. @default process.cwd() */
  cwd?: string;
}
