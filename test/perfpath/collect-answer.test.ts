import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { query } from "../helpers/graphql.js";
import { startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";

// Issue 26 (perfpath-5): a buffered upstream answer is read through its stream's events, not an
// async iterator. Every way a body can arrive or fail must end as it did: whole, decoded,
// refused past maxResponseBytes, or failed when the upstream breaks off; the next user is served.

const maxResponseBytes = 4096;

describe("perfpath-5: buffered answers read through stream events", () => {
  let upstream: TestUpstream;
  let trestle: Trestle;
  beforeAll(async () => {
    upstream = await startTestUpstream((req, res) => {
      const json = () => res.writeHead(200, { "content-type": "application/json" });
      switch (req.url) {
        case "/chunks": {
          // Many small chunks, no Content-Length (chunked): under the cap in total.
          json();
          const items = Array.from({ length: 200 }, (_, i) => `"v${i}"`);
          res.write('{"value":"ok","items":[');
          items.forEach((item, i) => res.write(i === 0 ? item : `,${item}`));
          res.end("]}");
          return;
        }
        case "/huge-chunked": {
          json();
          for (let i = 0; i < 20; i++) res.write(`${" ".repeat(500)}`);
          res.end('{"value":"never"}');
          return;
        }
        case "/huge-length": {
          const body = `{"value":"${"x".repeat(maxResponseBytes)}"}`;
          res.writeHead(200, { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) }).end(body);
          return;
        }
        case "/gzip": {
          const body = gzipSync(JSON.stringify({ value: "unzipped", items: ["a"] }));
          res
            .writeHead(200, { "content-type": "application/json", "content-encoding": "gzip", "content-length": String(body.length) })
            .end(body);
          return;
        }
        case "/zip-bomb": {
          const body = gzipSync(JSON.stringify({ value: "y".repeat(maxResponseBytes * 4) }));
          res
            .writeHead(200, { "content-type": "application/json", "content-encoding": "gzip", "content-length": String(body.length) })
            .end(body);
          return;
        }
        case "/cut": {
          res.writeHead(200, { "content-type": "application/json", "content-length": "1000" });
          res.write('{"value":"par');
          setImmediate(() => res.socket?.destroy());
          return;
        }
        default:
          res.writeHead(200, { "content-type": "application/json" }).end('{"value":"normal","items":[]}');
      }
    });
    trestle = await createTestTrestle(/* GraphQL */ `
      extend schema @upstream(name: "api", baseUrl: "${upstream.url}", maxResponseBytes: ${maxResponseBytes})
      type Query {
        read(route: String!): Answer @rest(path: "/{args.route}")
      }
      type Answer {
        value: String!
        items: [String!]
      }
    `);
  });
  afterAll(async () => {
    await trestle.close();
    await upstream.close();
  });

  const read = (route: string) => query(trestle, `query ($route: String!) { read(route: $route) { value items } }`, { route });

  it("perfpath-5: many small chunks and a gzip body are read whole and decoded", async () => {
    const chunked = await read("chunks");
    expect(chunked.errors).toBeUndefined();
    expect(chunked.data).toEqual({ read: { value: "ok", items: Array.from({ length: 200 }, (_, i) => `v${i}`) } });
    expect(await read("gzip")).toMatchObject({ data: { read: { value: "unzipped", items: ["a"] } } });
  });

  it.each([
    ["a chunked body past maxResponseBytes", "UPSTREAM_RESPONSE_TOO_LARGE", "huge-chunked"],
    ["a body whose length is past maxResponseBytes", "UPSTREAM_RESPONSE_TOO_LARGE", "huge-length"],
    ["a gzip body that decodes past maxResponseBytes", "UPSTREAM_RESPONSE_TOO_LARGE", "zip-bomb"],
    ["a connection cut mid-body", "UPSTREAM_UNAVAILABLE", "cut"],
  ])("perfpath-5: %s fails with %s; the next user is served", async (_case, code, route) => {
    const failed = await read(route);
    expect(failed.data).toEqual({ read: null });
    expect(failed.errors?.[0]?.extensions?.["code"]).toBe(code);
    expect(await read("normal")).toMatchObject({ data: { read: { value: "normal", items: [] } } });
  });
});
