import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ServerResponse } from "node:http";
import type { Trestle, TrestleOptions } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { createGate, until, type Gate } from "../helpers/gate.js";
import { query, type GraphQLResult } from "../helpers/graphql.js";
import { sendJson, startTestUpstream, type RecordedRequest, type TestUpstream } from "../helpers/test-upstream.js";
import { captureLogs } from "../telemetry-logs/capture-logs.js";

/**
 * Whole-operation `dedupe` (issue 26, docs/result-cache.md): a query identical to one executing
 * now — same document, variables and every client header its reads depend on — takes that one's
 * answer instead of executing, when every read it made the last time was a `dedupe` read whose
 * answer may be shared. The upstream holds its answers until the test has seen every caller
 * arrive (the app's `context` function counts them: it runs for a caller that joins too).
 */
const schema = (dedupe: string) => /* GraphQL */ `
  extend schema
    @upstream(
      name: "api"
      baseUrl: "{env.API_URL}"
      retry: { attempts: 0 }
      headers: [{ name: "authorization", from: "authorization" }, { name: "accept-language", from: "accept-language" }]
      ${dedupe}
    )
  type Query {
    posts(limit: Int!): [Post] @rest(path: "/posts?limit={args.limit}")
    plain(id: String!): Answer @rest(path: "/plain/{args.id}", dedupe: false)
    shared(id: String!): Answer @rest(path: "/shared/{args.id}") @cache(scope: PUBLIC)
  }
  type Mutation {
    touch(id: String!): Answer @rest(method: POST, path: "/touch/{args.id}")
    addPost: Answer @rest(method: POST, path: "/posts")
  }
  type Post {
    id: String
    authorId: String
    author: Answer @rest(path: "/users/{parent.authorId}")
  }
  type Answer {
    id: String
    serial: Int
    seenAuth: String
  }
`;

let upstream: TestUpstream;
let served = 0;
let gate: Gate;
/** Extra answer headers and status for the answers of the next test. */
let extra: Record<string, string> = {};
let status = 200;

beforeAll(async () => {
  upstream = await startTestUpstream(async (req: RecordedRequest, res: ServerResponse) => {
    const serial = ++served;
    if (req.method !== "POST") await gate.opened;
    const [path = "", search = ""] = req.url.split("?");
    const seenAuth = req.headers.authorization ?? null;
    const headers = { "cache-control": "no-store", ...extra };
    if (path === "/posts" && req.method === "GET") {
      const limit = Number(new URLSearchParams(search).get("limit"));
      const posts = Array.from({ length: limit }, (_, i) => ({ id: `p${i}`, authorId: `u${i % 2}` }));
      return sendJson(res, status, posts, headers);
    }
    sendJson(res, status, { id: path.split("/")[2] ?? "", serial, seenAuth }, headers);
  });
});
afterAll(() => upstream.close());
beforeEach(() => {
  upstream.requests.length = 0;
  served = 0;
  extra = {};
  status = 200;
  gate = createGate();
});

/** A Trestle whose `context` function counts the callers that reached execution or a join. */
async function make(dedupe = "dedupe: true", options: Partial<TrestleOptions> = {}) {
  let contexts = 0;
  const trestle = await createTestTrestle(schema(dedupe), {
    env: { API_URL: upstream.url },
    context: () => (contexts++, {}),
    ...options,
  });
  return { trestle, contexts: () => contexts };
}

const postsQuery = `query Posts($limit: Int!) { posts(limit: $limit) { id author { id serial seenAuth } } }`;
const posts = (trestle: Trestle, limit = 3, headers: Record<string, string> = {}) => query(trestle, postsQuery, { limit }, headers);

/** A POST as a client reads it: status, headers and the body's text. */
async function raw(trestle: Trestle, variables: Record<string, unknown>, headers: Record<string, string>) {
  const response = await trestle.fetch(
    new Request("http://trestle.test/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify({ query: postsQuery, variables }),
    }),
  );
  return { status: response.status, headers: Object.fromEntries(response.headers), text: await response.text() };
}

/** Scrapes one series of `trestle_cache_reads_total`. */
async function cacheReads(trestle: Trestle, upstreamName: string, result: string): Promise<number> {
  const text = await (await trestle.fetch(new Request("http://trestle.test/metrics"))).text();
  const line = text.split("\n").find((l) => l.startsWith(`trestle_cache_reads_total{upstream="${upstreamName}",result="${result}"}`));
  return line === undefined ? 0 : Number(line.split(" ").pop());
}

/**
 * Runs `run` once with the upstream answering at once (the operation is learned), then `n` callers
 * at once with the upstream held until all `n` reached execution or a join; returns their results.
 */
async function burst<T = GraphQLResult>(
  made: Awaited<ReturnType<typeof make>>,
  n: number,
  run: (i: number) => Promise<T>,
  learn: () => Promise<unknown> = () => run(0),
): Promise<T[]> {
  gate.open();
  await learn();
  upstream.requests.length = 0;
  served = 0;
  gate = createGate();
  const before = made.contexts();
  const results = Array.from({ length: n }, (_, i) => run(i));
  await until(() => made.contexts() - before === n && upstream.requests.length > 0, `${n} callers started`);
  gate.open();
  return Promise.all(results);
}

describe("whole-operation dedupe", () => {
  it("DD10: 20 identical queries in flight at once: one execution, one upstream call set, the same answer for all", async () => {
    const made = await make();
    try {
      const results = await burst(made, 20, () => posts(made.trestle));
      // One call set: /posts, then /users/u0 and /users/u1 (the operation's own reads are deduplicated).
      expect(upstream.requests.map((r) => r.url).sort()).toEqual(["/posts?limit=3", "/users/u0", "/users/u1"]);
      const first = results[0]!;
      expect(first.status).toBe(200);
      expect((first.data?.["posts"] as unknown[]).length).toBe(3);
      for (const result of results) expect(result).toEqual(first);
      // Executed once: 19 callers took the answer (none executed, so none joined a read).
      expect(await cacheReads(made.trestle, "", "operation_coalesced")).toBe(19);
      expect(made.trestle.cache.joined).toBe(0);
      // Nothing was kept: the next query executes.
      await posts(made.trestle);
      expect(upstream.requests).toHaveLength(6);
    } finally {
      gate.open();
      await made.trestle.close();
    }
  });

  it("DD10: the log lines: one execution with its calls, the callers that took its answer say so, every line names the operation", async () => {
    const logs = captureLogs();
    const made = await make("dedupe: true", { logger: logs.logger });
    try {
      await burst(made, 5, () => posts(made.trestle));
      const lines = await logs.waitForRequests(6);
      // The first line is the learning run; then one execution and four joiners.
      const burstLines = lines.slice(1);
      expect(burstLines.every((line) => line["operation"] === "Posts" && line["status"] === 200)).toBe(true);
      expect(burstLines.filter((line) => line["operationCache"] === "coalesced")).toHaveLength(4);
      const executed = burstLines.filter((line) => line["operationCache"] === undefined);
      expect(executed).toHaveLength(1);
      expect(executed[0]).toMatchObject({ calls: 3 });
    } finally {
      gate.open();
      await made.trestle.close();
    }
  });

  it("DD10: a query never executed before is never joined (its reads still dedupe)", async () => {
    const made = await make();
    try {
      const results = Array.from({ length: 5 }, () => posts(made.trestle));
      await until(() => made.contexts() === 5 && upstream.requests.length > 0, "5 callers started");
      gate.open();
      const answers = await Promise.all(results);
      for (const answer of answers) expect(answer.status).toBe(200);
      expect(await cacheReads(made.trestle, "", "operation_coalesced")).toBe(0);
    } finally {
      gate.open();
      await made.trestle.close();
    }
  });

  it("DD11: variables that cannot be coerced, sent while a flight is held, get their own 400; the flight's callers are served", async () => {
    const made = await make();
    try {
      gate.open();
      await posts(made.trestle);
      gate = createGate();
      const good = Array.from({ length: 4 }, () => posts(made.trestle));
      await until(() => made.contexts() === 5 && upstream.requests.length > 1, "4 callers started");
      // While the flight is held: each bad request is answered at once, on its own.
      for (const variables of [{ limit: "many" }, { limit: null }, { limit: 1.5 }, {}, { limit: [3] }]) {
        const result = await query(made.trestle, postsQuery, variables);
        expect(result.status).toBe(400);
        expect(result.errors?.[0]?.extensions?.["code"]).toBe("BAD_USER_INPUT");
        expect(result.errors?.[0]?.message).toMatch(/\$limit/);
      }
      gate.open();
      for (const result of await Promise.all(good)) expect((result.data?.["posts"] as unknown[]).length).toBe(3);
      expect(await cacheReads(made.trestle, "", "operation_coalesced")).toBe(3);
    } finally {
      gate.open();
      await made.trestle.close();
    }
  });

  it("DD11: different variables never share an operation", async () => {
    const made = await make();
    try {
      gate.open();
      await posts(made.trestle, 1);
      const results = await burst(made, 6, (i) => posts(made.trestle, i % 2 === 0 ? 2 : 1));
      results.forEach((result, i) => expect((result.data?.["posts"] as unknown[]).length).toBe(i % 2 === 0 ? 2 : 1));
      // Two operations executed (one per variables), the other four callers joined their own.
      expect(await cacheReads(made.trestle, "", "operation_coalesced")).toBe(4);
      expect(
        upstream.requests
          .filter((r) => r.url.startsWith("/posts"))
          .map((r) => r.url)
          .sort(),
      ).toEqual(["/posts?limit=1", "/posts?limit=2"]);
    } finally {
      gate.open();
      await made.trestle.close();
    }
  });

  it("DD12: callers with different forwarded Authorization never share; each identity sees its own answer", async () => {
    const made = await make();
    try {
      const tokens = ["Bearer alice", "Bearer mallory", "bearer alice"];
      // Each identity's operation is learned first, then 18 callers, six per identity.
      for (const token of tokens.slice(1)) {
        gate.open();
        await posts(made.trestle, 3, { authorization: token });
      }
      const results = await burst(made, 18, (i) => posts(made.trestle, 3, { authorization: tokens[i % 3]! }));
      results.forEach((result, i) => {
        for (const post of result.data?.["posts"] as Array<{ author: { seenAuth: string } }>)
          expect(post.author.seenAuth).toBe(tokens[i % 3]);
      });
      expect(await cacheReads(made.trestle, "", "operation_coalesced")).toBe(15);
      expect(upstream.requests.filter((r) => r.url.startsWith("/posts"))).toHaveLength(3);
    } finally {
      gate.open();
      await made.trestle.close();
    }
  });

  it("DD12: a caller without the header never joins one with it (and the other way round)", async () => {
    const made = await make();
    try {
      gate.open();
      await posts(made.trestle, 3, { authorization: "Bearer alice" });
      const results = await burst(made, 4, (i) => posts(made.trestle, 3, i % 2 === 0 ? {} : { authorization: "Bearer alice" }));
      results.forEach((result, i) => {
        const seen = (result.data?.["posts"] as Array<{ author: { seenAuth: string | null } }>)[0]!.author.seenAuth;
        expect(seen).toBe(i % 2 === 0 ? null : "Bearer alice");
      });
      expect(await cacheReads(made.trestle, "", "operation_coalesced")).toBe(2);
    } finally {
      gate.open();
      await made.trestle.close();
    }
  });

  it("DD13: an operation with a read that is not dedupe is never shared: each caller executes", async () => {
    const made = await make();
    try {
      const document = `query Both($limit: Int!) { posts(limit: $limit) { id } plain(id: "x") { serial } }`;
      const results = await burst(made, 5, () => query(made.trestle, document, { limit: 1 }));
      // /posts is deduplicated (one call), /plain/x is sent by each caller.
      expect(upstream.requests.filter((r) => r.url === "/plain/x")).toHaveLength(5);
      expect(new Set(results.map((r) => (r.data?.["plain"] as { serial: number }).serial)).size).toBe(5);
      expect(await cacheReads(made.trestle, "", "operation_coalesced")).toBe(0);
    } finally {
      gate.open();
      await made.trestle.close();
    }
  });

  it("DD14: an answer with errors is not shared: the callers that waited execute on their own", async () => {
    const made = await make();
    try {
      gate.open();
      await posts(made.trestle);
      gate = createGate();
      upstream.requests.length = 0;
      status = 500;
      const results = Array.from({ length: 4 }, () => posts(made.trestle));
      await until(() => made.contexts() === 5 && upstream.requests.length > 0, "4 callers started");
      gate.open();
      const answers = await Promise.all(results);
      for (const answer of answers) expect(answer.errors?.[0]?.extensions?.["code"]).toBe("UPSTREAM_ERROR");
      expect(await cacheReads(made.trestle, "", "operation_coalesced")).toBe(0);
      // The first caller's call, then the three that had waited (their reads deduplicated among them).
      expect(upstream.requests.length).toBeGreaterThanOrEqual(2);
      // A normal caller is served afterwards.
      status = 200;
      expect((await posts(made.trestle)).status).toBe(200);
    } finally {
      gate.open();
      await made.trestle.close();
    }
  });

  for (const [name, headers] of [
    ["Set-Cookie", { "set-cookie": "session=first" }],
    ["Vary: *", { vary: "*" }],
  ] as const) {
    it(`DD15: an answer with ${name} is not shared: every caller executes`, async () => {
      const made = await make();
      try {
        extra = headers;
        await burst(made, 5, () => posts(made.trestle));
        expect(await cacheReads(made.trestle, "", "operation_coalesced")).toBe(0);
        // Not even read-level dedupe gives such an answer away: five /posts calls.
        expect(upstream.requests.filter((r) => r.url.startsWith("/posts"))).toHaveLength(5);
      } finally {
        gate.open();
        await made.trestle.close();
      }
    });
  }

  it("DD16: the first caller going away does not fail the callers that joined it", async () => {
    const made = await make();
    try {
      gate.open();
      await posts(made.trestle);
      gate = createGate();
      upstream.requests.length = 0;
      const controller = new AbortController();
      const first = made.trestle
        .fetch(
          new Request("http://trestle.test/graphql", {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ query: postsQuery, variables: { limit: 3 } }),
            signal: controller.signal,
          }),
        )
        .catch((error: unknown) => error);
      await upstream.waitForRequests(1);
      const joiners = Array.from({ length: 5 }, () => posts(made.trestle));
      await until(() => made.contexts() === 7, "5 callers joined");
      controller.abort();
      gate.open();
      await first;
      for (const result of await Promise.all(joiners)) {
        expect(result.status).toBe(200);
        expect((result.data?.["posts"] as unknown[]).length).toBe(3);
      }
    } finally {
      gate.open();
      await made.trestle.close();
    }
  });

  it("DD17: a mutation is never shared, even with identical variables in flight", async () => {
    const made = await make();
    try {
      const document = `mutation T { touch(id: "m") { serial } }`;
      const results = await burst(made, 4, () => query(made.trestle, document));
      expect(await cacheReads(made.trestle, "", "operation_coalesced")).toBe(0);
      expect(upstream.requests.filter((r) => r.method === "POST")).toHaveLength(4);
      for (const result of results) expect(result.status).toBe(200);
    } finally {
      gate.open();
      await made.trestle.close();
    }
  });

  it("DD19: in debug mode no caller joins another: each answer shows its own calls", async () => {
    const made = await make("dedupe: true", { debug: true });
    try {
      const results = await burst(made, 5, () => posts(made.trestle));
      expect(await cacheReads(made.trestle, "", "operation_coalesced")).toBe(0);
      expect(made.trestle.cache.joined).toBeGreaterThan(0);
      for (const result of results) expect(result.extensions?.["trestle"]).toMatchObject({ upstreamCallCount: 3 });
    } finally {
      gate.open();
      await made.trestle.close();
    }
  });

  it("DD20: a caller that joins gets the Cache-Control and Vary the executing caller got, in its own media type", async () => {
    const made = await make("dedupe: true", { cache: { results: false } });
    try {
      extra = { "cache-control": "public, max-age=60" };
      const accepts = ["application/graphql-response+json", "application/json"];
      // Learned with one language (its reads stored), then six callers with another: nothing stored for it, one flight.
      const results = await burst(
        made,
        6,
        (i) => raw(made.trestle, { limit: 3 }, { "accept-language": "fr", accept: accepts[i % 2]! }),
        () => raw(made.trestle, { limit: 3 }, { "accept-language": "en" }),
      );
      expect(await cacheReads(made.trestle, "", "operation_coalesced")).toBe(5);
      expect(upstream.requests.filter((r) => r.url.startsWith("/posts"))).toHaveLength(1);
      results.forEach((result, i) => {
        expect(result.status).toBe(200);
        expect(result.text).toBe(results[0]!.text);
        expect(result.headers["content-type"]).toBe(`${accepts[i % 2]}; charset=utf-8`);
        // The executing caller's, as made (the same for every caller; 59 if a second ticked since the upstream answered).
        expect(result.headers["cache-control"]).toBe(results[0]!.headers["cache-control"]);
        expect(result.headers["cache-control"]).toMatch(/^public, max-age=(59|60)$/);
        expect(result.headers["vary"]).toBe("accept-language, authorization");
      });
    } finally {
      gate.open();
      await made.trestle.close();
    }
  });

  it("DD21: a write (a purge) while a query is in flight: callers that come after it execute on their own", async () => {
    const made = await make();
    try {
      gate.open();
      await posts(made.trestle);
      gate = createGate();
      upstream.requests.length = 0;
      const before = Array.from({ length: 3 }, () => posts(made.trestle));
      await until(() => made.contexts() === 4 && upstream.requests.length > 0, "3 callers started");
      expect((await query(made.trestle, `mutation A { addPost { serial } }`)).status).toBe(200);
      const after = Array.from({ length: 2 }, () => posts(made.trestle));
      await until(() => made.contexts() === 7, "2 more callers started");
      gate.open();
      for (const result of await Promise.all([...before, ...after])) expect(result.status).toBe(200);
      // The two that came before the write joined the first; of the two after it, one executed and the other joined it.
      expect(await cacheReads(made.trestle, "", "operation_coalesced")).toBe(3);
      expect(upstream.requests.filter((r) => r.method === "GET" && r.url.startsWith("/posts"))).toHaveLength(2);
    } finally {
      gate.open();
      await made.trestle.close();
    }
  });

  it("DD22: a read that starts to vary on a header the operation was not keyed on: the callers that joined execute on their own", async () => {
    const made = await make();
    try {
      const document = `{ shared(id: "s") { serial seenAuth } }`;
      const tokens = ["Bearer alice", "Bearer mallory", "Bearer eve", ""];
      // Learned without Vary: under scope PUBLIC the answer depended on no identity, so the key leaves Authorization out.
      const results = await burst(
        made,
        4,
        (i) => query(made.trestle, document, {}, tokens[i] === "" ? {} : { authorization: tokens[i]! }),
        async () => {
          await query(made.trestle, document);
          // From now on the upstream's answer varies on Authorization.
          extra = { vary: "authorization" };
        },
      );
      expect(await cacheReads(made.trestle, "", "operation_coalesced")).toBe(0);
      results.forEach((result, i) =>
        expect((result.data?.["shared"] as { seenAuth: string | null }).seenAuth).toBe(tokens[i] === "" ? null : tokens[i]),
      );
    } finally {
      gate.open();
      await made.trestle.close();
    }
  });

  it("DD23: the app's context function still runs for a caller that would join, and may refuse it; the others are served", async () => {
    let contexts = 0;
    const trestle = await createTestTrestle(schema("dedupe: true"), {
      env: { API_URL: upstream.url },
      context: (request) => {
        contexts++;
        if (request.headers.get("x-banned") !== null) throw new Error("caller refused by the app");
        return {};
      },
    });
    try {
      const made = { trestle, contexts: () => contexts };
      const results = await burst(made, 6, (i) => posts(trestle, 3, i === 3 ? { "x-banned": "yes" } : {}));
      results.forEach((result, i) => {
        if (i !== 3) return expect((result.data?.["posts"] as unknown[]).length).toBe(3);
        expect(result.data).toBeUndefined();
        expect(result.errors?.[0]?.message).toBe("Unexpected error.");
      });
      // Four callers took the executing one's answer; the refused one is not counted.
      expect(await cacheReads(trestle, "", "operation_coalesced")).toBe(4);
      expect((await posts(trestle)).status).toBe(200);
    } finally {
      gate.open();
      await trestle.close();
    }
  });

  it("DD18: without dedupe in the schema nothing is shared (20 callers, 20 executions)", async () => {
    const made = await make("dedupe: false");
    try {
      await burst(made, 20, () => posts(made.trestle));
      expect(upstream.requests.filter((r) => r.url.startsWith("/posts"))).toHaveLength(20);
      expect(await cacheReads(made.trestle, "", "operation_coalesced")).toBe(0);
    } finally {
      gate.open();
      await made.trestle.close();
    }
  });
});
