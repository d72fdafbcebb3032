import { describe, expect, it } from "vitest";
import { runCli, shopSdl, writeFolder } from "./mapping-fixture.js";

const good = `operation: |
  query { product(id: "1") { name } }
exchanges:
  - request: { method: GET, path: /products/1 }
    response: { status: 200, body: { id: 1, name: Anvil } }
expect:
  data: { product: { name: Anvil } }
`;

/** Runs `trestle test` on the one file `bad.mapping.yaml`, then on the good test: the first exits 2, the second 0. */
async function runBad(text: string) {
  const dir = await writeFolder({ "shop.graphql": shopSdl, "bad.mapping.yaml": text, "good.mapping.yaml": good });
  const bad = await runCli(["test", "--schema", dir], dir);
  const after = await runCli(["test", "--schema", dir, "good.mapping.yaml"], dir);
  expect(after.out).toEqual(["ok   good.mapping.yaml", "# tests 1, pass 1, fail 0"]);
  return bad;
}

describe("trestle test: malformed test files exit 2 with file:line:col", () => {
  const cases: Array<[string, string, string[]]> = [
    ["broken YAML (an unclosed flow list)", "operation: x\nvariables: [1, 2\n", ["bad.mapping.yaml:3:1: "]],
    [
      "a misspelt top-level key",
      good.replace("expect:", "expected:"),
      [`bad.mapping.yaml:6:1: unknown key "expected" in the test (keys: operation, operationName, variables, headers, exchanges, expect)`],
    ],
    [
      "a misspelt request key, deep in the list",
      good.replace("path: /products/1", "pth: /products/1"),
      [
        `bad.mapping.yaml:4:29: unknown key "pth" in request (keys: upstream, method, path, headers, body)`,
        `bad.mapping.yaml:4:14: request has no "path"`,
      ],
    ],
    ["no operation", "variables: {}\n", [`bad.mapping.yaml:1:1: the test has no "operation"`]],
    ["an operation that is a list", "operation: [query]\n", [`bad.mapping.yaml:1:12: "operation" must be a string, received a list`]],
    [
      "a status that is no HTTP status",
      good.replace("status: 200", "status: 2000"),
      [`bad.mapping.yaml:5:25: response status must be a number from 100 to 599, received 2000`],
    ],
    [
      "a method that is no HTTP method",
      good.replace("method: GET", "method: FETCH"),
      [`bad.mapping.yaml:4:24: request method must be one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, received "FETCH"`],
    ],
    [
      "a path without its leading slash",
      good.replace("path: /products/1", "path: products/1"),
      [`bad.mapping.yaml:4:35: request path must start with "/", received "products/1"`],
    ],
    ["exchanges as a map", "operation: x\nexchanges: { a: 1 }\n", [`bad.mapping.yaml:2:12: "exchanges" must be a list, received a map`]],
    [
      "a header that is a map",
      "operation: x\nheaders: { authorization: { a: 1 } }\n",
      [`bad.mapping.yaml:2:27: header "authorization" must be a string, received a map`],
    ],
    ["a duplicate key", "operation: x\noperation: y\n", ["bad.mapping.yaml:2:1: Map keys must be unique"]],
    [
      "a list instead of a test",
      "- operation: x\n",
      [`bad.mapping.yaml:1:1: expected a mapping test (a map with "operation"), received a list`],
    ],
  ];

  for (const [what, text, lines] of cases) {
    it(`M06: ${what}`, async () => {
      const run = await runBad(text);
      expect(run.code).toBe(2);
      expect(run.out).toEqual([]);
      for (const line of lines) expect(run.err.join("\n")).toContain(line);
      expect(run.err[0]).toMatch(/^trestle test: bad\.mapping\.yaml:\d+:\d+: /);
    });
  }
});

describe("trestle test: usage errors exit 2", () => {
  it("M07: an unknown reporter, an unknown flag, a missing FILE, no tests, a schema that does not build", async () => {
    const dir = await writeFolder({ "shop.graphql": shopSdl, "good.mapping.yaml": good });
    const reporter = await runCli(["test", "--schema", dir, "--reporter", "junit"], dir);
    expect([reporter.code, reporter.err[0]]).toEqual([2, `trestle test: --reporter must be "plain" or "tap", received "junit"`]);
    const flag = await runCli(["test", "--recrod"], dir);
    expect(flag.code).toBe(2);
    expect(flag.err[0]).toContain("trestle test: Unknown option '--recrod'");
    const file = await runCli(["test", "--schema", dir, "nope.mapping.yaml"], dir);
    expect(file.code).toBe(2);
    expect(file.err[0]).toBe("trestle test: nope.mapping.yaml: no such mapping test file (ENOENT)");
    const empty = await writeFolder({ "shop.graphql": shopSdl });
    const none = await runCli(["test", "--schema", empty], empty);
    expect([none.code, none.err[0]]).toEqual([2, `trestle test: no *.mapping.yaml files below ${empty}`]);
    const broken = await writeFolder({
      "shop.graphql": shopSdl.replace('path: "/makers/{parent.maker_id}"', 'path: "/makers/{parent.maker_id"'),
      "good.mapping.yaml": good,
    });
    const schema = await runCli(["test", "--schema", broken], broken);
    expect(schema.code).toBe(2);
    expect(schema.err.at(-1)).toBe(`trestle test: the schema ${broken} does not build`);
    expect(schema.err[0]).toMatch(/shop\.graphql:\d+:\d+: /);
    const help = await runCli(["test", "--help"], dir);
    expect([help.code, help.out[0]]).toEqual([0, "Usage: trestle test [options] [FILES...]"]);
    const after = await runCli(["test", "--schema", dir], dir);
    expect(after.code).toBe(0);
  });
});
