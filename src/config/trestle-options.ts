import type { Env } from "./interpolate-env.js";

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
}

export interface TrestleOptions {
  /**
   * The SDL: a folder (every .graphql/.graphqls/.gql below it), a file, a list of files, or SDL text.
   * @example "schema/"
   */
  schema: string | readonly string[];
  /**
   * Serve every route under this path: `/bff/graphql`, `/bff/healthz`, `/bff/readyz`.
   * @default "" (the root)
   */
  prefix?: string;
  /** Overrides of `@upstream` settings, by upstream name. */
  upstreams?: Readonly<Record<string, UpstreamOptions>>;
  /**
   * Derives per-request values from the host request, readable in templates as `{context.X}`
   * (e.g. the app's authenticated user).
   */
  context?: (request: Request) => Readonly<Record<string, unknown>> | Promise<Readonly<Record<string, unknown>>>;
  /** Environment for `{env.X}`. @default process.env */
  env?: Env;
  /**
   * Show upstream error details and each operation's upstream calls (`extensions.trestle`)
   * to clients. Never turn on where clients are untrusted.
   * @default false
   */
  debug?: boolean;
  /** Serve GraphiQL to browsers at the GraphQL endpoint. @default true */
  graphiql?: boolean;
  /** graphql-yoga's logging: `false` silences it. @default true */
  logging?: boolean;
  /** Folder that relative schema paths are read from. @default process.cwd() */
  cwd?: string;
}
