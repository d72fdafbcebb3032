import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { query } from "../helpers/graphql.js";
import { sendJson, startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";

// Issue 5, item 5: passthrough GET/HEAD go through the shared cache with the GraphQL fields' rules.
// GraphQL first, then passthrough, is in test/cache/cached-passthrough.test.ts.
let upstream: TestUpstream;
let trestle: Trestle;

beforeAll(async () => {
  upstream = await startTestUpstream((req, res) =>
    sendJson(res, 200, { name: "fraud-xgb", url: req.url }, { "cache-control": "public, max-age=60" }),
  );
  trestle = await createTestTrestle(
    `extend schema @upstream(name: "ml", baseUrl: "${upstream.url}", headers: [{ name: "x-api-key", value: "{env.KEY}" }],
       passthrough: { methods: [GET, POST], paths: ["/models/**"] })
     type Query { model(name: String!): Model @rest(path: "/models/{args.name}") }
     type Model { name: String url: String }`,
    { env: { KEY: "k" } },
  );
});
afterAll(async () => {
  await trestle.close();
  await upstream.close();
});
beforeEach(() => {
  upstream.requests.length = 0;
});

describe("one cache entry for both routes", () => {
  it("a passthrough read, then the same resource through GraphQL: one upstream call", async () => {
    // The answer has no length: it is stored as it streams, once the client has read it to its end.
    await (await trestle.fetch(new Request("http://trestle.test/rest/ml/models/b", { headers: { accept: "application/json" } }))).text();
    expect((await query(trestle, `{ model(name: "b") { url } }`)).data).toEqual({ model: { url: "/models/b" } });
    expect(upstream.requests.map((r) => r.url)).toEqual(["/models/b"]);
  });

  it("clients behind different addresses share the entry (forwarding headers are not part of the key)", async () => {
    await (
      await trestle.fetch(
        new Request("http://trestle.test/rest/ml/models/c", { headers: { accept: "application/json", "x-forwarded-for": "198.51.100.1" } }),
      )
    ).text();
    await trestle.fetch(
      new Request("http://trestle.test/rest/ml/models/c", { headers: { accept: "application/json", "x-forwarded-for": "198.51.100.2" } }),
    );
    expect(upstream.requests.map((r) => r.url)).toEqual(["/models/c"]);
  });
});
