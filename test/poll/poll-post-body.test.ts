import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { serveTrestle, type TrestleServer } from "../passthrough/raw-http.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { checkSchemaSources } from "../../src/sdl/check-schema.js";
import { subscribeOverSse } from "../helpers/sse-subscribe.js";

// J04 for reads that POST: a poll loop is one per read, and a POST's read is its body too.
// Two subscribers whose bodies differ (their own arguments, or values per user) must never
// share a loop, even when the URL and headers are the same.

describe("J04: poll loops of POST reads are keyed by the body they send", () => {
  let upstream: Server;
  let upstreamUrl = "";
  let trestle: Trestle;
  let served: TrestleServer;
  const bodies: string[] = [];

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        bodies.push(body);
        const { q } = JSON.parse(body) as { q: string };
        res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" });
        res.end(JSON.stringify({ id: q, state: "running" }));
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    trestle = await createTestTrestle(`
      extend schema @upstream(name: "flows", baseUrl: "${upstreamUrl}")
      type Query { ping: String @rest(path: "/ping") }
      type Run { id: ID, state: String }
      type Subscription {
        search(q: String!): Run @rest(method: POST, path: "/search", body: "{\\"q\\": {args.q}}", poll: { everyMs: 100 })
      }`);
    served = await serveTrestle(trestle);
  });
  afterAll(async () => {
    await served.close();
    await trestle.close();
    await new Promise((resolve) => upstream.close(resolve));
  });

  it("J04: two subscribers with different bodies each get their own answers", async () => {
    const url = `http://127.0.0.1:${served.port}/graphql`;
    const query = `subscription ($q: String!) { search(q: $q) { id } }`;
    const alice = await subscribeOverSse(url, query, { q: "alice-secret" });
    expect(await alice.next()).toEqual({ data: { search: { id: "alice-secret" } } });
    const bob = await subscribeOverSse(url, query, { q: "bob" });
    expect(await bob.next()).toEqual({ data: { search: { id: "bob" } } });
    expect(bodies).toContain('{"q": "bob"}');
    alice.close();
    bob.close();
  });

  it("J15: poll: with form: is a trestle check error", () => {
    const diagnostics = checkSchemaSources(
      [
        {
          name: "schema.graphql",
          body: `
          extend schema @upstream(name: "flows", baseUrl: "http://127.0.0.1:1")
          scalar Upload
          type Query { ping: String @rest(path: "/ping") }
          type Run { id: ID }
          type Subscription {
            up(f: Upload!): Run @rest(method: POST, path: "/up", form: [{ name: "f", value: "{args.f}" }], poll: { everyMs: 100 })
          }`,
        },
      ],
      {},
    );
    expect(diagnostics.map((d) => d.message)).toContain(
      "@rest on Subscription.up has both poll: and form:; a poll repeats a read, it does not send files",
    );
  });
});
