import type { Trestle, TrestleOptions } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { query, type GraphQLResult } from "../helpers/graphql.js";
import { startTestUpstream, type RecordedRequest, type TestUpstream } from "../helpers/test-upstream.js";

/**
 * A real upstream that echoes who asked: the identity, tenant, key, cookie, language and
 * trace context it saw, and a serial number. The first path segment picks how it answers:
 * `/r/<mode>/<id>` (and `/t/<region>/<id>`, public, echoing the region as `seenTenant`).
 */
export const modes = {
  public: { "cache-control": "public, max-age=60" },
  private: { "cache-control": "private, max-age=60" },
  none: {},
  vary: { "cache-control": "public, max-age=60", vary: "Authorization" },
  plain: { "cache-control": "max-age=60" },
  nostore: { "cache-control": "no-store" },
  nocache: { "cache-control": "no-cache" },
} satisfies Record<string, Record<string, string>>;
export type Mode = keyof typeof modes;

/** What the upstream saw, as it echoes it. */
export interface Seen {
  id: string;
  seenAuth: string | null;
  seenCookie: string | null;
  seenKey: string | null;
  seenTenant: string | null;
  seenLang: string | null;
  seenXLang: string | null;
  seenTrace: string | null;
  serial: number;
}

export const echoSchema = (url: string) => /* GraphQL */ `
  extend schema
    @upstream(name: "echo", baseUrl: "${url}", timeoutMs: 5000, retry: { attempts: 0 }, breaker: { failures: 0 },
              headers: [
                { name: "authorization", from: "authorization" }
                { name: "cookie", from: "cookie" }
                { name: "x-api-key", from: "x-api-key", identity: true }
                { name: "x-tenant", from: "x-tenant" }
                { name: "accept-language", from: "accept-language" }
                { name: "traceparent", from: "traceparent" }
                { name: "x-request-id", from: "x-request-id" }
              ],
              passthrough: { methods: [GET], paths: ["/r/**", "/t/**"] })

  type Query {
    read(mode: String!, id: String!): Seen @rest(upstream: "echo", path: "/r/{args.mode}/{args.id}")
    held(mode: String!, id: String!): Seen @rest(upstream: "echo", path: "/r/{args.mode}/{args.id}") @cache(maxAge: 30)
    shared(mode: String!, id: String!): Seen @rest(upstream: "echo", path: "/r/{args.mode}/{args.id}") @cache(maxAge: 30, scope: PUBLIC)
    lang(mode: String!, id: String!): Seen
      @rest(upstream: "echo", path: "/r/{args.mode}/{args.id}", headers: [{ name: "x-lang", from: "x-lang", identity: false }])
    regionPath(id: String!): Seen @rest(upstream: "echo", path: "/t/{header.x-region}/{args.id}")
  }

  type Seen { id: String, seenAuth: String, seenCookie: String, seenKey: String, seenTenant: String, seenLang: String, seenXLang: String, seenTrace: String, serial: Int }
`;

export const seenFields = "id seenAuth seenCookie seenKey seenTenant seenLang seenXLang seenTrace serial";

export interface EchoWorld {
  upstream: TestUpstream;
  /** Answers wait for this before they are sent (a test holds them to let concurrent reads meet). */
  hold: () => Promise<void>;
  served: number;
  calls(path: string): RecordedRequest[];
}

export async function startEchoUpstream(): Promise<EchoWorld> {
  const world: EchoWorld = {
    upstream: undefined as unknown as TestUpstream,
    hold: () => Promise.resolve(),
    served: 0,
    calls: (path) => world.upstream.requests.filter((r) => r.url === path),
  };
  world.upstream = await startTestUpstream(async (req, res) => {
    const serial = ++world.served;
    await world.hold();
    const [, kind, mode, id] = req.url.split("?")[0]!.split("/");
    const header = (name: string) => {
      const value = req.headers[name];
      return value === undefined ? null : String(value);
    };
    const seen: Seen = {
      id: id ?? "",
      seenAuth: header("authorization"),
      seenCookie: header("cookie"),
      seenKey: header("x-api-key"),
      seenTenant: kind === "t" ? (mode ?? null) : header("x-tenant"),
      seenLang: header("accept-language"),
      seenXLang: header("x-lang"),
      seenTrace: header("traceparent"),
      serial,
    };
    const headers = kind === "t" ? modes.public : (modes[mode as Mode] ?? {});
    res.writeHead(200, { "content-type": "application/json", ...headers });
    res.end(JSON.stringify(seen));
  });
  return world;
}

export function createEchoTrestle(world: EchoWorld, options: Partial<TrestleOptions> = {}): Promise<Trestle> {
  // The result cache would answer repeats without reads: these tests watch each read (test/result-cache/ tests it).
  return createTestTrestle(echoSchema(world.upstream.url), { debug: true, ...options, cache: { results: false, ...options.cache } });
}

/** One GraphQL read of `field` as a client with these headers; the echoed answer, its cache status and response headers. */
export async function readAs(trestle: Trestle, field: string, mode: string, id: string, headers: Record<string, string> = {}) {
  const response = await trestle.fetch(
    new Request("http://trestle.test/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/graphql-response+json", ...headers },
      body: JSON.stringify({
        query:
          field === "regionPath"
            ? `{ x: regionPath(id: "${id}") { ${seenFields} } }`
            : `{ x: ${field}(mode: "${mode}", id: "${id}") { ${seenFields} } }`,
      }),
    }),
  );
  const body = (await response.json()) as GraphQLResult;
  const calls =
    (body.extensions?.["trestle"] as { upstreamCalls?: Array<{ cache?: { status?: string } }> } | undefined)?.upstreamCalls ?? [];
  if (body.errors !== undefined) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
  return {
    seen: body.data?.["x"] as Seen,
    status: calls[0]?.cache?.status,
    cacheControl: response.headers.get("cache-control"),
    vary: response.headers.get("vary"),
  };
}

/** One passthrough GET of `/r/<mode>/<id>` as a client with these headers; the echoed answer and its `Cache-Status`. */
export async function restAs(trestle: Trestle, mode: string, id: string, headers: Record<string, string> = {}) {
  const response = await trestle.fetch(
    new Request(`http://trestle.test/rest/echo/r/${mode}/${id}`, { headers: { accept: "application/json", ...headers } }),
  );
  if (response.status !== 200) throw new Error(`passthrough answered ${response.status}: ${await response.text()}`);
  const seen = (await response.json()) as Seen;
  return { seen, cacheStatus: response.headers.get("cache-status") ?? "" };
}

export { query };
