import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { buildASTSchema } from "graphql";
import { loadConfig } from "graphql-config";
import { describe, expect, it } from "vitest";
import { directiveDefinitions } from "../../src/index.js";
import { runCli, writeFolder } from "./mapping-fixture.js";

/** What an editor's GraphQL Language Server sees: the project of graphql.config.yml, its schema built from its files. */
async function buildEditorSchema(dir: string) {
  const config = await loadConfig({ rootDir: dir, throwOnMissing: true });
  const document = await config!.getDefault().getSchema("DocumentNode");
  return buildASTSchema(document);
}

describe("trestle init", () => {
  it("M10: scaffolds a schema folder that checks, passes its mapping test and serves", async () => {
    const cwd = await writeFolder({});
    const init = await runCli(["init", "api"], cwd);
    expect(init.code).toBe(0);
    expect(init.out[0]).toBe(
      "wrote api/upstreams.graphql, api/users.graphql, api/tests/user.mapping.yaml, api/trestle-directives.graphql, api/graphql.config.yml",
    );
    // The directives file is what `trestle print-directives` prints: one source.
    expect(await readFile(join(cwd, "api/trestle-directives.graphql"), "utf8")).toBe(directiveDefinitions);
    const printed = await runCli(["print-directives"], cwd);
    expect(printed.out.join("\n").trimEnd()).toBe(directiveDefinitions.trimEnd());
    const check = await runCli(["check", "--schema", "api"], cwd);
    expect(check.out.at(-1)).toBe("3 files checked: 0 errors, 0 warnings");
    const test = await runCli(["test", "--schema", "api"], cwd);
    expect(test.out).toEqual(["ok   api/tests/user.mapping.yaml", "# tests 1, pass 1, fail 0"]);
    const schema = await runCli(["print-schema", "--schema", "api"], cwd);
    expect(schema.out.join("\n")).toContain("user(id: ID!): User");
  });

  it("M10: refuses to overwrite a file, writing none, and names it", async () => {
    const cwd = await writeFolder({ "schema/users.graphql": "# mine\n" });
    const init = await runCli(["init"], cwd);
    expect(init.code).toBe(1);
    expect(init.err[0]).toBe("trestle init: refusing to overwrite schema/users.graphql; choose another folder or move them away");
    expect(await readFile(join(cwd, "schema/users.graphql"), "utf8")).toBe("# mine\n");
    await expect(readFile(join(cwd, "schema/upstreams.graphql"), "utf8")).rejects.toThrow(/ENOENT/);
    const twice = await runCli(["init", "a", "b"], cwd);
    expect([twice.code, twice.err[0]]).toEqual([1, "trestle init: expected at most one folder, received 2: a b"]);
    expect((await runCli(["init", "other"], cwd)).code).toBe(0);
  });

  it("M11: graphql.config.yml gives editors Trestle's directives: the scaffold builds, unknown directives and arguments are flagged", async () => {
    const cwd = await writeFolder({});
    expect((await runCli(["init", "schema"], cwd)).code).toBe(0);
    const dir = join(cwd, "schema");
    const good = await buildEditorSchema(dir);
    expect(good.getDirective("rest")?.args.map((arg) => arg.name)).toContain("path");
    expect(good.getDirective("upstream")).toBeDefined();
    expect(good.getType("User")).toBeDefined();

    await writeFile(join(dir, "typo.graphql"), 'extend type Query { x: Int @rst(upstream: "api", path: "/x") }\n');
    await expect(buildEditorSchema(dir)).rejects.toThrow('Unknown directive "@rst".');
    await writeFile(join(dir, "typo.graphql"), 'extend type Query { x: Int @rest(upstrem: "api", path: "/x") }\n');
    await expect(buildEditorSchema(dir)).rejects.toThrow('Unknown argument "upstrem" on directive "@rest".');
    await writeFile(join(dir, "typo.graphql"), 'extend type Query { x: Int @rest(upstream: "api", path: "/x") @cache(maxAge: 30) }\n');
    expect((await buildEditorSchema(dir)).getQueryType()?.getFields()["x"]).toBeDefined();
  });
});
