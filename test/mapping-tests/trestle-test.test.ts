import { describe, expect, it } from "vitest";
import { runCli, shopSdl, writeFolder } from "./mapping-fixture.js";

const productTest = `# Product 1 and its maker: two calls.
operation: |
  query { product(id: "1") { id name maker { name } } }
exchanges:
  - request: { method: GET, path: /makers/7 }
    response: { status: 200, body: { id: 7, name: Acme } }
  - request: { method: GET, path: /products/1, headers: { x-client: mapping-tests, x-api-key: "{env.API_KEY}" } }
    response: { status: 200, body: { id: 1, name: Anvil, maker_id: 7 } }
expect:
  data:
    product: { id: "1", name: Anvil, maker: { name: Acme } }
`;

const renameTest = `operation: |
  mutation Rename($name: String!) { rename(id: "1", name: $name) { name } }
variables: { name: Big anvil }
exchanges:
  - request: { method: PATCH, path: /products/1, body: { name: Big anvil } }
    response: { status: 200, body: { id: 1, name: Big anvil, maker_id: 7 } }
expect:
  data: { rename: { name: Big anvil } }
`;

const notFoundTest = `operation: |
  query { product(id: "404") { id } }
exchanges:
  - request: { method: GET, path: /products/404 }
    response: { status: 500, body: { detail: boom } }
expect:
  data: { product: null }
  errors:
    - { code: UPSTREAM_ERROR, path: [product] }
`;

async function suite(tests: Record<string, string>) {
  return writeFolder({ "shop.graphql": shopSdl, ...tests });
}

describe("trestle test: replaying recorded exchanges", () => {
  it("M01: a passing suite (a query with a child call, a mutation with a body, an error mapping) exits 0 with one line per test", async () => {
    const dir = await suite({
      "tests/product.mapping.yaml": productTest,
      "tests/rename.mapping.yaml": renameTest,
      "errors.mapping.yaml": notFoundTest,
    });
    const run = await runCli(["test", "--schema", dir], dir);
    expect(run.err).toEqual([]);
    expect(run.out).toEqual([
      `ok   errors.mapping.yaml`,
      `ok   tests/product.mapping.yaml`,
      `ok   tests/rename.mapping.yaml`,
      `# tests 3, pass 3, fail 0`,
    ]);
    expect(run.code).toBe(0);
  });

  it("M01: --reporter tap prints TAP version 13 with a plan and the counts", async () => {
    const dir = await suite({ "a.mapping.yaml": productTest, "b.mapping.yaml": productTest.replace("name: Acme }", "name: Wrong }") });
    const run = await runCli(["test", "--schema", dir, "--reporter", "tap"], dir);
    expect(run.code).toBe(1);
    expect(run.out.slice(0, 3)).toEqual(["TAP version 13", "ok 1 - a.mapping.yaml", "not ok 2 - b.mapping.yaml"]);
    expect(run.text).toContain(`    - "data.product.maker.name: expected \\"Acme\\", received \\"Wrong\\""`);
    expect(run.out.slice(-4)).toEqual(["1..2", "# tests 2", "# pass 1", "# fail 1"]);
  });

  it("M02: a wrong mapping fails with a diff by JSON path, exit 1, and the other tests still pass", async () => {
    // The schema reads `name`, the upstream now answers `title`: the mapping is wrong.
    const wrong = productTest.replace("{ id: 1, name: Anvil, maker_id: 7 }", "{ id: 1, title: Anvil, maker_id: 7 }");
    const dir = await suite({ "a-wrong.mapping.yaml": wrong, "b-right.mapping.yaml": renameTest });
    const run = await runCli(["test", "--schema", dir], dir);
    expect(run.code).toBe(1);
    expect(run.out).toEqual([
      "FAIL a-wrong.mapping.yaml",
      `  data.product: expected {"id":"1","name":"Anvil","maker":{"name":"Acme"}}, received null`,
      `  errors: received {"message":"Cannot return null for non-nullable field Product.name.","path":["product","name"]}, not expected`,
      "ok   b-right.mapping.yaml",
      "# tests 2, pass 1, fail 1",
    ]);
  });

  it("M02: a differing leaf, a missing key, an extra list item and unmatched errors are each one diff line", async () => {
    const expectBlock = `expect:
  data:
    product: { id: "1", name: Hammer, maker: { name: Acme, id: "7" } }
  errors:
    - { message: "gone", path: [product] }
`;
    const dir = await suite({ "x.mapping.yaml": productTest.split("expect:")[0] + expectBlock });
    const run = await runCli(["test", "--schema", dir], dir);
    expect(run.code).toBe(1);
    expect(run.out.slice(1, -1)).toEqual([
      `  data.product.name: expected "Hammer", received "Anvil"`,
      `  data.product.maker.id: expected "7", missing`,
      `  errors[0]: expected {"message":"gone","path":["product"]}, not received`,
    ]);
  });

  it("M03: a call the schema makes that was not recorded is named (method, path, upstream), exit 1", async () => {
    const extra = productTest.replace(/  - request: \{ method: GET, path: \/makers\/7 \}\n    response: .*\n/, "");
    const dir = await suite({ "extra.mapping.yaml": extra, "ok.mapping.yaml": renameTest });
    const run = await runCli(["test", "--schema", dir], dir);
    expect(run.code).toBe(1);
    expect(run.out).toContain(`  unexpected call: GET /makers/7 to upstream "api": no recorded exchange matches`);
    expect(run.out).toContain("ok   ok.mapping.yaml");
    expect(run.out.at(-1)).toBe("# tests 2, pass 1, fail 1");
  });

  it("M03: a call whose body differs from the recording is unexpected, and says so", async () => {
    const dir = await suite({
      "r.mapping.yaml": renameTest.replace(
        "variables: { name: Big anvil }",
        'variables: { name: "Big anvil\\"}, \\"admin\\": true, \\"x\\": {\\"" }',
      ),
    });
    const run = await runCli(["test", "--schema", dir], dir);
    expect(run.code).toBe(1);
    expect(run.text).toContain(
      `unexpected call: PATCH /products/1 to upstream "api": no recorded exchange matches, its body or headers differ from the recorded ones (received body: {"name": "Big anvil\\"}, \\"admin\\": true, \\"x\\": {\\""})`,
    );
    expect(run.text).toContain("missing call: PATCH /products/1 was recorded but never made");
  });

  it("M03: a recorded request header the call does not carry makes it unexpected", async () => {
    const dir = await suite({ "h.mapping.yaml": productTest.replace("x-client: mapping-tests", "x-client: somebody-else") });
    const run = await runCli(["test", "--schema", dir], dir);
    expect(run.code).toBe(1);
    expect(run.text).toContain(
      `unexpected call: GET /products/1 to upstream "api": no recorded exchange matches, its body or headers differ`,
    );
  });

  it("M04: a recorded call the schema never makes is a missing call, exit 1", async () => {
    const missing = productTest.replace(
      "exchanges:\n",
      "exchanges:\n  - request: { method: GET, path: /makers/7/logo }\n    response: { status: 200, body: {} }\n",
    );
    const dir = await suite({ "missing.mapping.yaml": missing });
    const run = await runCli(["test", "--schema", dir], dir);
    expect(run.code).toBe(1);
    expect(run.out).toEqual([
      "FAIL missing.mapping.yaml",
      "  missing call: GET /makers/7/logo was recorded but never made",
      "# tests 1, pass 0, fail 1",
    ]);
  });

  it("M04: a test not recorded yet fails with the command that records it", async () => {
    const dir = await suite({ "new.mapping.yaml": 'operation: "{ product(id: \\"1\\") { id } }"\n' });
    const run = await runCli(["test", "--schema", dir], dir);
    expect(run.code).toBe(1);
    expect(run.out[1]).toBe(`  not recorded yet: run "trestle test --record new.mapping.yaml" against the real upstreams`);
  });

  it("M04: FILES run only those files, and a retried call may be recorded as a 503 then a 200", async () => {
    const retried = `operation: |
  query { product(id: "2") { name } }
exchanges:
  - request: { method: GET, path: /products/2 }
    response: { status: 503 }
  - request: { method: GET, path: /products/2 }
    response: { status: 200, body: { id: 2, name: Tongs } }
expect:
  data: { product: { name: Tongs } }
`;
    const dir = await suite({ "retry.mapping.yaml": retried, "other.mapping.yaml": "not: [valid" });
    const sdl = shopSdl.replace("    headers: [", "    retry: { attempts: 2, backoffMs: 1 }\n    headers: [");
    const { writeFile } = await import("node:fs/promises");
    await writeFile(`${dir}/shop.graphql`, sdl);
    const run = await runCli(["test", "--schema", dir, "retry.mapping.yaml"], dir);
    expect(run.out).toEqual(["ok   retry.mapping.yaml", "# tests 1, pass 1, fail 0"]);
    expect(run.code).toBe(0);
  });
});

describe("trestle test: the upstream key when several upstreams share paths", () => {
  const twoSdl = `extend schema @upstream(name: "a", baseUrl: "http://127.0.0.1:9") @upstream(name: "b", baseUrl: "http://127.0.0.1:9")
type Query {
  fromA: Item @rest(upstream: "a", path: "/item")
  fromB: Item @rest(upstream: "b", path: "/item")
}
type Item { name: String! }
`;
  const twoTest = (aName: string) => `operation: "{ fromA { name } fromB { name } }"
exchanges:
  - request: { upstream: a, method: GET, path: /item }
    response: { status: 200, body: { name: ${aName} } }
  - request: { upstream: b, method: GET, path: /item }
    response: { status: 200, body: { name: from-b } }
expect:
  data: { fromA: { name: from-a }, fromB: { name: from-b } }
`;

  it("M05: each upstream's replay server answers only its own exchanges", async () => {
    const dir = await writeFolder({ "two.graphql": twoSdl, "ok.mapping.yaml": twoTest("from-a"), "bad.mapping.yaml": twoTest("from-b") });
    const run = await runCli(["test", "--schema", dir], dir);
    expect(run.out).toEqual([
      "FAIL bad.mapping.yaml",
      `  data.fromA.name: expected "from-a", received "from-b"`,
      "ok   ok.mapping.yaml",
      "# tests 2, pass 1, fail 1",
    ]);
  });

  it("M05: an exchange naming an upstream the schema does not declare fails, naming the declared ones", async () => {
    const dir = await writeFolder({ "two.graphql": twoSdl, "c.mapping.yaml": twoTest("from-a").replace("upstream: b", "upstream: c") });
    const run = await runCli(["test", "--schema", dir], dir);
    expect(run.code).toBe(1);
    expect(run.out[1]).toBe(`  exchange GET /item names upstream "c", which the schema does not declare (declared: a, b)`);
  });
});
