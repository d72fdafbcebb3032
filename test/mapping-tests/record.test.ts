import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendJson, startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";
import { runCli, shopSdl, writeFolder } from "./mapping-fixture.js";

const apiKey = "sk-live/51Hx+SECRET-key";
const userToken = "tok-USER-SECRET-77";
// The key also signs the query: Trestle sends it percent-encoded, and the echo puts it in a body.
const signedSdl = shopSdl.replace('path: "/products/{args.id}")', 'path: "/products/{args.id}?sig={env.API_KEY}")');

const productTest = `# Product 1: recorded with the real key and the caller's token.
operation: |
  # The product and its maker.
  query Product {
    product(id: "1") { id name maker { name } }
  }
headers:
  authorization: "Bearer {env.USER_TOKEN}"
`;

const renameTest = `operation: |
  mutation { rename(id: "1", name: "Big anvil") { name } }
headers:
  # A literal token: forwarded, never written into exchanges.
  authorization: Bearer literal-token-in-the-test
`;

let upstream: TestUpstream;
beforeAll(async () => {
  upstream = await startTestUpstream((req, res) => {
    if (req.headers["x-api-key"] !== apiKey) return sendJson(res, 401, { detail: "bad key" });
    if (req.url.startsWith("/products/1")) {
      if (!String(req.headers.authorization).startsWith("Bearer ")) return sendJson(res, 403, { detail: "no token" });
      const name = req.method === "PATCH" ? (JSON.parse(req.body) as { name: string }).name : "Anvil";
      return sendJson(
        res,
        200,
        { id: 1, name, maker_id: 7, signed_with: apiKey },
        { "set-cookie": `session=${userToken}`, "x-trace": "t1" },
      );
    }
    if (req.url === "/makers/7") return sendJson(res, 200, { id: 7, name: "Acme" });
    return sendJson(res, 404, { detail: "none" });
  });
});
afterAll(() => upstream.close());

describe("trestle test --record", () => {
  it("M08: records against the real upstream, the files then pass without any secret in them", async () => {
    const dir = await writeFolder({
      "shop.graphql": signedSdl,
      "tests/product.mapping.yaml": productTest,
      "tests/rename.mapping.yaml": renameTest,
    });
    upstream.requests.length = 0;
    const env = { SHOP_URL: upstream.url, API_KEY: apiKey, USER_TOKEN: userToken };
    const recorded = await runCli(["test", "--record", "--schema", dir], dir, env);
    expect(recorded.err).toEqual([]);
    expect(recorded.out).toEqual([
      "recorded tests/product.mapping.yaml",
      "recorded tests/rename.mapping.yaml",
      "# tests 2, recorded 2, fail 0",
    ]);
    // The real upstream saw the real secrets.
    expect(upstream.requests.map((r) => [r.method, r.url, r.headers["x-api-key"], r.headers.authorization])).toEqual([
      ["GET", `/products/1?sig=${encodeURIComponent(apiKey)}`, apiKey, `Bearer ${userToken}`],
      ["GET", "/makers/7", apiKey, `Bearer ${userToken}`],
      ["PATCH", "/products/1", apiKey, "Bearer literal-token-in-the-test"],
    ]);

    const product = await readFile(join(dir, "tests/product.mapping.yaml"), "utf8");
    const rename = await readFile(join(dir, "tests/rename.mapping.yaml"), "utf8");
    for (const text of [product, rename]) {
      for (const secret of [apiKey, encodeURIComponent(apiKey), userToken, "SECRET"]) expect(text).not.toContain(secret);
      expect(text).not.toMatch(/x-api-key|set-cookie|cookie:/i);
      expect(text).toContain("x-client: mapping-tests");
    }
    expect(rename.split("exchanges:")[1]).not.toMatch(/authorization|literal-token/i);
    expect(product).toContain("path: /products/1?sig={env.API_KEY}");
    expect(product).toContain('signed_with: "{env.API_KEY}"');
    // What was written by hand stays: comments, the operation, the headers.
    expect(product.startsWith(productTest)).toBe(true);
    expect(product).toContain(`expect:\n  data:\n    product:\n      id: "1"\n      name: Anvil\n      maker:\n        name: Acme\n`);
    expect(rename).toContain("  # A literal token: forwarded, never written into exchanges.\n");

    // Replayed with no secret in the environment, and no real upstream reachable.
    const replayed = await runCli(["test", "--schema", dir], dir, { SHOP_URL: "http://127.0.0.1:9" });
    expect(replayed.out).toEqual(["ok   tests/product.mapping.yaml", "ok   tests/rename.mapping.yaml", "# tests 2, pass 2, fail 0"]);
    expect(replayed.code).toBe(0);
    expect(upstream.requests).toHaveLength(3);
  });

  it("M08: recording again rewrites exchanges and expect in place, and an error answer is recorded as one", async () => {
    const dir = await writeFolder({ "shop.graphql": signedSdl, "p.mapping.yaml": productTest });
    const env = { SHOP_URL: upstream.url, API_KEY: apiKey, USER_TOKEN: userToken };
    expect((await runCli(["test", "--record", "--schema", dir], dir, env)).code).toBe(0);
    const first = await readFile(join(dir, "p.mapping.yaml"), "utf8");
    expect((await runCli(["test", "--record", "--schema", dir], dir, env)).code).toBe(0);
    expect(await readFile(join(dir, "p.mapping.yaml"), "utf8")).toBe(first);
    // A wrong key: the upstream answers 401, recorded as the exchange and the error the client gets.
    const denied = await runCli(["test", "--record", "--schema", dir], dir, { ...env, API_KEY: "wrong-key-1234" });
    expect(denied.code).toBe(0);
    const text = await readFile(join(dir, "p.mapping.yaml"), "utf8");
    expect(text).toContain("status: 401");
    expect(text).toContain("code: UPSTREAM_ERROR");
    expect(text).not.toContain("wrong-key-1234");
    expect((await runCli(["test", "--schema", dir], dir)).code).toBe(0);
  });

  it("M09: an unreachable upstream writes nothing, names the upstream and exits 1", async () => {
    const gone = await startTestUpstream(() => undefined);
    await gone.close();
    const dir = await writeFolder({ "shop.graphql": shopSdl, "p.mapping.yaml": productTest });
    const run = await runCli(["test", "--record", "--schema", dir], dir, { SHOP_URL: gone.url, API_KEY: apiKey, USER_TOKEN: userToken });
    expect(run.code).toBe(1);
    expect(run.out[0]).toBe("FAIL p.mapping.yaml");
    expect(run.out[1]).toMatch(new RegExp(`^  upstream "api" \\(${gone.url}\\) could not be reached for GET /products/1: .*ECONNREFUSED`));
    expect(run.out).toContain("  p.mapping.yaml left as it was");
    expect(await readFile(join(dir, "p.mapping.yaml"), "utf8")).toBe(productTest);
    // The same file records once the upstream is there.
    expect(
      (await runCli(["test", "--record", "--schema", dir], dir, { SHOP_URL: upstream.url, API_KEY: apiKey, USER_TOKEN: userToken })).code,
    ).toBe(0);
  });

  it("M08: with several upstreams, each exchange is recorded with its upstream, and replays from that one only", async () => {
    const second = await startTestUpstream((req, res) => sendJson(res, 200, { name: `b${req.url}` }));
    const sdl = `extend schema @upstream(name: "a", baseUrl: "{env.A_URL}") @upstream(name: "b", baseUrl: "{env.B_URL}")
type Query {
  fromA: Item @rest(upstream: "a", path: "/makers/7")
  fromB: Item @rest(upstream: "b", path: "/makers/7")
}
type Item { name: String! }
`;
    const dir = await writeFolder({ "two.graphql": sdl, "two.mapping.yaml": 'operation: "{ fromA { name } fromB { name } }"\n' });
    // The first upstream wants its key: without one, it answers 401, recorded as such.
    const run = await runCli(["test", "--record", "--schema", dir], dir, { A_URL: upstream.url, B_URL: second.url });
    await second.close();
    expect(run.code).toBe(0);
    const text = await readFile(join(dir, "two.mapping.yaml"), "utf8");
    expect(text).toContain("upstream: a\n      method: GET\n      path: /makers/7\n    response:\n      status: 401");
    expect(text).toContain("upstream: b\n      method: GET\n      path: /makers/7\n    response:\n      status: 200");
    expect(text).toContain("fromB:\n      name: b/makers/7");
    // Replayed without the base URLs set (as in CI): the replay servers stand in for both.
    const replay = await runCli(["test", "--schema", dir], dir, {});
    expect(replay.out).toEqual(["ok   two.mapping.yaml", "# tests 1, pass 1, fail 0"]);
  });
});
