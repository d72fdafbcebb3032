import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Trestle, TrestleOptions, UpstreamFetch } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { query } from "../helpers/graphql.js";
import { sendJson, startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";

let upstream: TestUpstream;
const opened: Trestle[] = [];
beforeAll(async () => {
  upstream = await startTestUpstream(async (req, res) => {
    if (req.url === "/redirect") return void res.writeHead(302, { location: "/elsewhere" }).end();
    if (req.url === "/slow") await new Promise((resolve) => setTimeout(resolve, 1000));
    if (req.url === "/big") return sendJson(res, 200, { id: "x".repeat(1000) });
    if (req.url === "/gzip")
      return void res
        .writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" })
        .end(gzipSync(JSON.stringify({ id: "unzipped" })));
    sendJson(res, 200, { id: req.url });
  });
});
beforeEach(() => void upstream.requests.splice(0));
afterAll(async () => {
  await Promise.all(opened.map((t) => t.close()));
  await upstream.close();
});

const inits: { url: string; init: RequestInit }[] = [];
const recordingFetch: UpstreamFetch = (url, init) => {
  inits.push({ url, init });
  return fetch(url, init);
};

async function build(fetchOption: UpstreamFetch = recordingFetch, extra: Partial<TrestleOptions> = {}, timeoutMs = 5000): Promise<Trestle> {
  const trestle = await createTestTrestle(
    `extend schema @upstream(name: "api", baseUrl: "${upstream.url}", timeoutMs: ${timeoutMs}, maxResponseBytes: 500)
     type Query { item(path: String!): Item @rest(path: "/{args.path}") }
     type Item { id: String }`,
    { fetch: fetchOption, cache: { enabled: false }, ...extra },
  );
  opened.push(trestle);
  return trestle;
}

describe("createTrestle({ fetch })", () => {
  it("sends upstream calls through the app's fetch, with redirect: manual and a timeout signal", async () => {
    inits.splice(0);
    const trestle = await build(recordingFetch, { onUpstreamRequest: ({ headers }) => headers.set("x-signed", "yes") });
    expect((await query(trestle, `{ item(path: "a") { id } }`)).data).toEqual({ item: { id: "/a" } });
    expect(inits).toHaveLength(1);
    const { url, init } = inits[0]!;
    expect([url, init.method, init.redirect, init.signal instanceof AbortSignal]).toEqual([`${upstream.url}/a`, "GET", "manual", true]);
    expect(init.headers).toMatchObject({ accept: "application/json", "x-signed": "yes" });
  });

  it.each([
    ["never follows a redirect", "redirect", "UPSTREAM_BAD_RESPONSE"],
    ["bounds each attempt by timeoutMs", "slow", "UPSTREAM_TIMEOUT"],
    ["caps the body at maxResponseBytes", "big", "UPSTREAM_RESPONSE_TOO_LARGE"],
  ])("%s", async (_what, path, code) => {
    const trestle = await build(recordingFetch, {}, path === "slow" ? 150 : 5000);
    const result = await query(trestle, `{ item(path: "${path}") { id } }`);
    expect(result.errors?.[0]?.extensions).toMatchObject({ code, upstream: "api" });
    expect(upstream.requests.map((r) => r.url)).toEqual([`/${path}`]);
  });

  it("reads a body fetch has already decoded (Content-Encoding) without decoding it twice", async () => {
    const trestle = await build();
    expect((await query(trestle, `{ item(path: "gzip") { id } }`)).data).toEqual({ item: { id: "unzipped" } });
  });

  it("maps a fetch that rejects to UPSTREAM_UNAVAILABLE", async () => {
    const trestle = await build(async () => {
      throw new TypeError("fetch failed");
    });
    expect((await query(trestle, `{ item(path: "a") { id } }`)).errors?.[0]?.extensions).toMatchObject({
      code: "UPSTREAM_UNAVAILABLE",
      upstream: "api",
    });
  });

  it("refuses a value that is not a function", async () => {
    await expect(build({} as UpstreamFetch)).rejects.toThrow("fetch must be a function, received object");
  });
});
