import { afterAll, beforeAll } from "vitest";
import { sendJson, type RecordedRequest } from "../helpers/test-upstream.js";
import { useServedTrestle, type ServedTrestle } from "../helpers/use-served-trestle.js";
import { registerTestSdk, startOtlpReceiver, type OtlpReceiver, type ReceivedSpan, type TestSdk } from "../helpers/otlp-receiver.js";
import type { Sampler } from "@opentelemetry/sdk-trace-node";
import type { TrestleOptions } from "../../src/index.js";

/** Secrets planted in the environment, a client header and a variable: none may reach a span. */
export const secrets = {
  env: "env-secret-7f3a9c",
  authorization: "Bearer client-token-51d2e8",
  variable: "variable-secret-c0ffee",
};

/** An upstream of users (with teams and orgs fetched in batches), a cached read, a failing read and a passthrough. */
export function traceSchema(url: string): string {
  return /* GraphQL */ `
    extend schema @upstream(name: "api", baseUrl: "${url}", passthrough: { paths: ["/items/*"] }, headers: [
      { name: "authorization", from: "authorization" },
      { name: "x-api-key", value: "{env.API_KEY}" },
      { name: "traceparent", from: "traceparent" },
      { name: "tracestate", from: "tracestate" }
    ], retry: { attempts: 2, backoffMs: 0 })
    type Query {
      users: [User] @rest(path: "/users?token={env.API_KEY}")
      search(q: String!): [User] @rest(path: "/search?q={args.q}")
      cached(id: ID!): User @rest(path: "/cached/{args.id}") @cache(maxAge: 60)
      broken: User @rest(path: "/broken")
      flaky: User @rest(path: "/flaky")
    }
    type User {
      id: ID
      name: String
      team: Team @rest(path: "/teams/{parent.teamId}", batch: { path: "/teams?ids={keys}", key: "id" })
      org: Org @rest(path: "/orgs/{parent.orgId}", batch: { path: "/orgs?ids={keys}", key: "id" })
    }
    type Team { id: ID, name: String }
    type Org { id: ID, name: String }
  `;
}

const users = [
  { id: "1", name: "Ada", teamId: "t1", orgId: "o1" },
  { id: "2", name: "Bo", teamId: "t2", orgId: "o1" },
  { id: "3", name: "Cy", teamId: "t3", orgId: "o2" },
];

let flakyCalls = 0;

function answer(req: RecordedRequest, res: Parameters<typeof sendJson>[0]): void {
  const url = new URL(req.url, "http://upstream.test");
  const ids = (url.searchParams.get("ids") ?? "").split(",");
  switch (url.pathname) {
    case "/users":
    case "/search":
      return sendJson(res, 200, users);
    case "/teams":
      return sendJson(
        res,
        200,
        ids.map((id) => ({ id, name: `team ${id}` })),
      );
    case "/orgs":
      return sendJson(
        res,
        200,
        ids.map((id) => ({ id, name: `org ${id}` })),
      );
    case "/broken":
      return sendJson(res, 500, { detail: "down" });
    case "/flaky":
      // Every other call fails with 503: the retry of a failed one succeeds.
      return flakyCalls++ % 2 === 0 ? sendJson(res, 503, {}) : sendJson(res, 200, { id: "f" });
    default:
      if (url.pathname.startsWith("/cached/")) return sendJson(res, 200, { id: url.pathname.slice(8) }, { "cache-control": "max-age=60" });
      if (url.pathname.startsWith("/items/")) return sendJson(res, 200, { item: url.pathname.slice(7) });
      return sendJson(res, 404, {});
  }
}

export interface TraceWorld extends ServedTrestle {
  receiver: OtlpReceiver;
  sdk: TestSdk;
}

/**
 * A Trestle served on node:http over the recording upstream, with an OpenTelemetry SDK
 * registered in this process (exporting to a real OTLP/HTTP receiver) for the file's tests.
 */
export function useTraceWorld(options: Partial<TrestleOptions> = {}, sampler?: Sampler): TraceWorld {
  const world = useServedTrestle({
    upstream: answer,
    schema: traceSchema,
    options: { env: { API_KEY: secrets.env }, ...options },
  }) as TraceWorld;
  beforeAll(async () => {
    world.receiver = await startOtlpReceiver();
    world.sdk = registerTestSdk(world.receiver, sampler);
  });
  afterAll(async () => {
    await world.sdk?.close();
    await world.receiver?.close();
  });
  return world;
}

/** POSTs one operation to the served Trestle, as a browser would. */
export async function post(
  port: number,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): Promise<{ status: number; body: { data?: Record<string, unknown> | null; errors?: Array<{ extensions?: Record<string, unknown> }> } }> {
  const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as never };
}

/** Waits for the SERVER span of trace `traceId` (it ends last), then returns the whole trace. */
export async function traceOf(receiver: OtlpReceiver, traceId: string): Promise<ReceivedSpan[]> {
  const spans = await receiver.waitFor((all) => all.some((span) => span.kind === 2 && span.traceId === traceId));
  return spans.filter((span) => span.traceId === traceId);
}

/** The trace id of the traceparent an upstream request carried. */
export function traceIdSent(request: RecordedRequest | undefined): string {
  const traceparent = request?.headers["traceparent"];
  if (typeof traceparent !== "string") throw new Error(`The upstream request carried no traceparent: ${JSON.stringify(request?.headers)}`);
  return traceparent.split("-")[1]!;
}
