import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { query } from "../helpers/graphql.js";
import { serveTrestle, type TrestleServer } from "../passthrough/raw-http.js";

// Answers yoga streams itself (server-sent events, multipart) still follow Trestle's status
// rules: a request-shape limit is 400 whatever the media type, an ordinary validation error
// over server-sent events 200 (as for application/json), without any yoga-private flag.
let trestle: Trestle;
let server: TrestleServer;

beforeAll(async () => {
  trestle = await createTestTrestle(
    /* GraphQL */ `
      extend schema @upstream(name: "api", baseUrl: "http://127.0.0.1:9")
      type Query {
        node: Node @rest(path: "/node")
        hello: String
      }
      type Node {
        child: Node
        name: String
      }
    `,
    { limits: { maxDepth: 2 } },
  );
  server = await serveTrestle(trestle);
});
afterAll(async () => {
  await server.close();
  await trestle.close();
});

const deep = "{ node { child { child { child { name } } } } }";
const accepts = ["text/event-stream", "multipart/mixed"] as const;

describe.each(["fetch", "handle"] as const)("yoga's streamed answers, through %s", (entry) => {
  const send = async (document: string, accept: string) => {
    const target = `/graphql?${new URLSearchParams({ query: document })}`;
    const request = new Request(`${entry === "fetch" ? "http://trestle.test" : server.url}${target}`, { headers: { accept } });
    const response = entry === "fetch" ? await trestle.fetch(request) : await fetch(request);
    return { status: response.status, type: response.headers.get("content-type") ?? "", text: await response.text() };
  };

  for (const accept of accepts) {
    it(`a query past maxDepth over ${accept} is 400 with MAX_DEPTH_LIMIT; a normal query is then served`, async () => {
      const answer = await send(deep, accept);
      expect(answer.status).toBe(400);
      expect(answer.type).toContain(accept);
      expect(answer.text).toContain("MAX_DEPTH_LIMIT");
      expect(answer.text).not.toContain('"spec"');
      expect(answer.text).not.toContain('"http"');
      const fine = await send("{ hello }", accept);
      expect(fine.status).toBe(200);
      expect(fine.text).toContain('"hello":null');
    });
  }

  it("an ordinary validation error over text/event-stream is 200, as for application/json", async () => {
    const answer = await send("{ nope }", "text/event-stream");
    expect(answer.status).toBe(200);
    expect(answer.text).toContain("GRAPHQL_VALIDATION_FAILED");
  });

  it("the JSON answer to a query past maxDepth is 400 for both JSON media types", async () => {
    for (const accept of ["application/json", "application/graphql-response+json"]) {
      expect((await send(deep, accept)).status).toBe(400);
    }
    expect((await query(trestle, "{ hello }")).data).toEqual({ hello: null });
  });
});
