import type { ServerResponse } from "node:http";
import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";
import type { Trestle, TrestleOptions } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { query, type GraphQLResult } from "../helpers/graphql.js";
import { createTestClock, type TestClock } from "../helpers/test-clock.js";
import { startTestUpstream, type RecordedRequest, type TestUpstream } from "../helpers/test-upstream.js";

/**
 * The cache tests' world: one counting upstream whose answers each test shapes with `reply`,
 * and a fresh Trestle (with its own cache and hand-moved clock) per test.
 */
export const cacheSchema = /* GraphQL */ `
  # Every call counts in these tests: retries and the breaker have their own, in test/upstream.
  extend schema
    @upstream(
      name: "api"
      baseUrl: "{env.API_URL}/v1"
      timeoutMs: 1000
      retry: { attempts: 0 }
      breaker: { failures: 0 }
      headers: [{ name: "authorization", from: "authorization" }, { name: "x-api-key", value: "{env.API_KEY:-k}" }]
      passthrough: { methods: [GET, HEAD, POST], paths: ["/items/**"] }
    )

  type Query {
    item(id: String!): Item @rest(upstream: "api", path: "/items/{args.id}")
    items: [Item!] @rest(upstream: "api", path: "/items", select: "items")
    cachedItem(id: String!): Item @rest(upstream: "api", path: "/items/{args.id}") @cache(maxAge: 30)
    shortItem(id: String!): Item @rest(upstream: "api", path: "/items/{args.id}") @cache(maxAge: 10)
    publicItem(id: String!): Item @rest(upstream: "api", path: "/items/{args.id}") @cache(scope: PUBLIC, maxAge: 30)
    privateItem(id: String!): Item @rest(upstream: "api", path: "/items/{args.id}") @cache(scope: PRIVATE, maxAge: 30)
    swrItem(id: String!): Item @rest(upstream: "api", path: "/items/{args.id}") @cache(maxAge: 1, staleWhileRevalidate: 30)
    versioned(id: String!, v: String!): Item
      @rest(upstream: "api", path: "/items/{args.id}", headers: [{ name: "x-version", value: "{args.v}" }])
    tenantItem(id: String!): Item
      @rest(upstream: "api", path: "/items/{args.id}", headers: [{ name: "x-tenant", value: "{header.x-tenant}" }])
  }

  type Mutation {
    updateItem(id: String!, name: String!): Item
      @rest(upstream: "api", method: PUT, path: "/items/{args.id}", body: "{\\"name\\": {args.name}}")
    predict(id: String!): Item @rest(upstream: "api", method: POST, path: "/items/{args.id}/predict")
  }

  type Item {
    id: String
    name: String
    seenAuth: String
    seenTenant: String
    seenVersion: String
    serial: Int
  }
`;

export type Reply = (req: RecordedRequest, res: ServerResponse, serial: number) => unknown;

export interface CacheWorld {
  upstream: TestUpstream;
  clock: TestClock;
  /** How the upstream answers; reset to `max-age=30` JSON before each test. */
  reply: Reply;
  /** Upstream requests received for a path (base path included: "/v1/items/a"). */
  calls(path: string, method?: string): RecordedRequest[];
  /** Requests answered so far (the `serial` of the next answer, minus one). */
  served: number;
}

/** The default answer: the item, what the upstream saw, a serial number, and the given headers. */
export function sendItem(
  req: RecordedRequest,
  res: ServerResponse,
  serial: number,
  headers: Record<string, string>,
  clock: TestClock,
): void {
  const id = req.url.split("?")[0]!.split("/")[3] ?? "";
  const body = {
    id,
    name: `item-${id}`,
    seenAuth: req.headers.authorization ?? null,
    seenTenant: req.headers["x-tenant"] ?? null,
    seenVersion: req.headers["x-version"] ?? null,
    serial,
    items: [{ id, serial }],
  };
  res.writeHead(200, { "content-type": "application/json", date: clock.httpDate(), ...headers });
  res.end(JSON.stringify(body));
}

export async function startCacheWorld(): Promise<CacheWorld> {
  const world: CacheWorld = {
    served: 0,
    upstream: undefined as unknown as TestUpstream,
    clock: createTestClock(),
    reply: () => undefined,
    calls: (path, method = "GET") => world.upstream.requests.filter((r) => r.url === path && r.method === method),
  };
  world.upstream = await startTestUpstream((req, res) => world.reply(req, res, ++world.served));
  return world;
}

/** Before each test: a fresh clock, the default reply, no recorded requests. */
export function resetWorld(world: CacheWorld): void {
  world.clock = createTestClock();
  world.upstream.requests.length = 0;
  world.served = 0;
  world.reply = (req, res, serial) => sendItem(req, res, serial, { "cache-control": "max-age=30" }, world.clock);
}

export function createCacheTrestle(world: CacheWorld, options: Partial<TrestleOptions> = {}): Promise<Trestle> {
  return createTestTrestle(cacheSchema, {
    env: { API_URL: world.upstream.url },
    debug: true,
    ...options,
    // The result cache would answer repeats without reads: these tests watch each read (test/result-cache/ tests it).
    cache: { now: () => world.clock.now(), results: false, ...options.cache },
  });
}

/** The cache status of each upstream call of a result (debug extension). */
export function cacheStatuses(result: GraphQLResult): Array<string | undefined> {
  const calls =
    (result.extensions?.["trestle"] as { upstreamCalls?: Array<{ cache?: { status?: string } }> } | undefined)?.upstreamCalls ?? [];
  return calls.map((call) => call.cache?.status);
}

export { query };

/**
 * The usual suite set-up: one world for the file, a fresh instance (and a clean world) per
 * test. `use` receives both before each test.
 */
export function useCacheTrestle(use: (world: CacheWorld, trestle: Trestle) => void, options: Partial<TrestleOptions> = {}): void {
  let world: CacheWorld | undefined;
  let trestle: Trestle | undefined;
  beforeAll(async () => {
    world = await startCacheWorld();
  });
  afterAll(async () => {
    await world?.upstream.close();
  });
  beforeEach(async () => {
    resetWorld(world!);
    trestle = await createCacheTrestle(world!, options);
    use(world!, trestle);
  });
  afterEach(async () => {
    await trestle?.close();
  });
}
