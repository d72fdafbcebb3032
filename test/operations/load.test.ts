import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import type { CliIo } from "../../src/cli/cli-io.js";
import { main } from "../../src/cli/main.js";
import { SchemaError, type Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { operationsSchema } from "./fixture.js";

// Issue 21: operation files are read and checked when the instance is built, with file:line:col.

const schema = operationsSchema("http://127.0.0.1:1");

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "trestle-operations-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** The diagnostics createTrestle throws for this folder, as `file:line:col: message` with the folder cut off. */
async function refused(files: Record<string, string>, options: Parameters<typeof createTestTrestle>[1] = {}): Promise<string[]> {
  const dir = folder(files);
  let trestle: Trestle | undefined;
  try {
    trestle = await createTestTrestle(schema, { operations: dir, ...options });
  } catch (error) {
    expect(error).toBeInstanceOf(SchemaError);
    expect((error as SchemaError).code).toBe("SCHEMA_INVALID");
    return (error as SchemaError).diagnostics.map((d) => `${relative(dir, d.file) || d.file}:${d.line}:${d.column}: ${d.message}`);
  }
  await trestle.close();
  throw new Error("createTrestle accepted the operations");
}

describe("loading operations", () => {
  const cases: Array<[string, Record<string, string>, string[]]> = [
    [
      "a field the schema does not have",
      { "a.graphql": `query Fine { item(id: "1") { id } }\n\nquery Broken {\n  item(id: "1") { id nope }\n}\n` },
      ['a.graphql:4:22: Cannot query field "nope" on type "Item". Did you mean "name"?'],
    ],
    [
      "a variable of the wrong type",
      { "a.graphql": `query Q($id: Int!) { item(id: $id) { id } }` },
      ['a.graphql:1:9: Variable "$id" of type "Int!" used in position expecting type "ID!".'],
    ],
    [
      "an anonymous operation",
      { "a.graphql": `{ item(id: "1") { id } }` },
      [
        "a.graphql:1:1: an anonymous query cannot be served: give it a name (query Name { … }), which becomes /api/Name and the MCP tool Name",
      ],
    ],
    [
      "a subscription",
      { "a.graphql": `query Ok { item(id: "1") { id } }\nsubscription Ticks { item(id: "1") { id } }` },
      ['a.graphql:2:1: subscription "Ticks" cannot be served as a REST endpoint or an MCP tool: only queries and mutations can'],
    ],
    [
      "one name in two files",
      { "a.graphql": `query Item { item(id: "1") { id } }`, "b.graphql": `\n  query Item { item(id: "2") { id } }` },
      [
        'b.graphql:2:3: operation "Item" is already defined at ' +
          "A:1:1: operation names are endpoint names and must be unique across files",
      ],
    ],
    [
      "one fragment name in two files",
      {
        "a.graphql": `query A { item(id: "1") { ...F } }\nfragment F on Item { id }`,
        "b.graphql": `fragment F on Item { name }`,
      },
      ['b.graphql:1:1: fragment "F" is already defined at ' + "A:2:1: fragment names are shared by every operations file"],
    ],
    [
      "a fragment no file defines, and an error inside a shared fragment reported once",
      {
        "a.graphql": `query A { item(id: "1") { ...Missing ...Shared } }\nquery B { item(id: "2") { ...Shared } }`,
        "frag.graphql": `fragment Shared on Item { id wrong }`,
      },
      ['a.graphql:1:30: Unknown fragment "Missing".', 'frag.graphql:1:30: Cannot query field "wrong" on type "Item".'],
    ],
    ["a syntax error", { "a.graphql": `query A { item(id: "1") { id }` }, ["a.graphql:1:31: Syntax Error: Expected Name, found <EOF>."]],
    [
      "a type definition",
      { "a.graphql": `query A { item(id: "1") { id } }\ntype Extra { id: ID }` },
      [
        "a.graphql:2:1: an operations file holds operations and fragments only, found a ObjectTypeDefinition: the schema belongs in --schema",
      ],
    ],
    [
      "no operation at all",
      { "a.graphql": `fragment F on Item { id }` },
      ["A:0:0: no named operations found: each `query Name { … }` or `mutation Name { … }` becomes /api/Name and the MCP tool Name"],
    ],
  ];
  it.each(cases)("O07: %s is a SchemaError with file:line:col", async (_what, files, expected) => {
    const lines = await refused(files);
    const dir = "A";
    expect(lines.map((line) => line.replace(/\/[^:]*\/a\.graphql|^[^:]*a\.graphql(?=:\d+:\d+: no named)/g, dir))).toEqual(expected);
  });

  it("O07: the /graphql limits apply to the operations too (a depth over limits.maxDepth)", async () => {
    const lines = await refused({ "a.graphql": `query Deep { item(id: "1") { id } }` }, { limits: { maxDepth: 1 } });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^a\.graphql:1:1: Deep: .*depth/i);
  });

  it("O07: an operations path that does not exist, or holds no .graphql file, is CONFIG_INVALID", async () => {
    await expect(createTestTrestle(schema, { operations: "/nonexistent/ops" })).rejects.toThrow(
      'operations: "/nonexistent/ops" is neither a file nor a folder',
    );
    const empty = folder({ "notes.txt": "query A { x }" });
    await expect(createTestTrestle(schema, { operations: empty })).rejects.toThrow(`operations: no .graphql files found in ${empty}`);
    await expect(createTestTrestle(schema, { operations: [] })).rejects.toThrow(
      "operations: expected a folder or .graphql files, received an empty list",
    );
  });

  it("O07: a description string before an operation keeps later lines and columns right", async () => {
    const lines = await refused({ "a.graphql": `"""\nA long\ndescription.\n"""\nquery A {\n  item(id: "1") { bad }\n}\n` });
    expect(lines).toEqual(['a.graphql:6:19: Cannot query field "bad" on type "Item". Did you mean "id"?']);
  });
});

describe("trestle check --operations", () => {
  const run = async (args: string[]) => {
    const out: string[] = [];
    const io: CliIo = { stdout: (t) => out.push(t), stderr: (t) => out.push(t), cwd: process.cwd(), env: {} };
    return { code: await main(args, io), out };
  };
  const schemaDir = folder({ "schema.graphql": schema });

  it("O07: prints each diagnostic with its place and exits 1", async () => {
    const ops = folder({ "a.graphql": `query A { item(id: "1") { nope } }`, "b.graphql": `{ item(id: "1") { id } }` });
    const { code, out } = await run(["check", "--schema", schemaDir, "--operations", ops]);
    expect(code).toBe(1);
    expect(out).toEqual([
      `${join(ops, "b.graphql")}:1:1: an anonymous query cannot be served: give it a name (query Name { … }), which becomes /api/Name and the MCP tool Name`,
      `${join(ops, "a.graphql")}:1:27: Cannot query field "nope" on type "Item". Did you mean "name"?`,
      "3 files checked: 2 errors, 0 warnings",
    ]);
  });

  it("O07: exits 0 on valid operations, counting their files", async () => {
    const ops = folder({ "a.graphql": `query A { item(id: "1") { id } }` });
    expect(await run(["check", "--schema", schemaDir, "--operations", ops])).toEqual({
      code: 0,
      out: ["2 files checked: 0 errors, 0 warnings"],
    });
  });

  it("O07: the demo's operations/ folder is valid against schema/", async () => {
    expect(await run(["check", "--schema", "schema/", "--operations", "operations/"])).toEqual({
      code: 0,
      out: [expect.stringMatching(/^\d+ files checked: 0 errors, 0 warnings$/)],
    });
  });
});
