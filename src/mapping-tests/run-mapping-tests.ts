import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { formatDiagnostic, TrestleError } from "../errors.js";
import { buildSchemaPlan } from "../sdl/build-schema-plan.js";
import { displayName, listFiles, loadSchemaSources } from "../sdl/load-schema-sources.js";
import type { MappingTest, MappingTestResult } from "./mapping-test.js";
import { readMappingTest } from "./read-mapping-test.js";
import { recordMappingTest } from "./record-mapping-test.js";
import { runMappingTest } from "./run-mapping-test.js";
import { readTestSecrets } from "./test-secrets.js";

export interface RunMappingTestsOptions {
  /** The schema folder (or file): what the tests run against, and where they are found without `files`. */
  schema: string;
  /** Test files; none: every `*.mapping.yaml` below the schema folder. */
  files: readonly string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Record against the real upstreams instead of replaying. @default false */
  record?: boolean;
  /** `plain`: one line per test and a summary line; `tap`: TAP version 13. @default "plain" */
  reporter?: "plain" | "tap";
  stdout(line: string): void;
  stderr(line: string): void;
}

/** File names of mapping tests. */
export const mappingTestSuffix = ".mapping.yaml";

/**
 * `trestle test`: runs (or, with `record`, records) the mapping tests one after the other and
 * reports each. Resolves to the exit code: 0 when every test passed, 1 when one failed, 2 when
 * the run could not start (a schema that does not build, an unreadable test file, no test).
 */
export async function runMappingTests(options: RunMappingTestsOptions): Promise<number> {
  const { cwd, env, stdout, stderr } = options;
  let tests: MappingTest[];
  let sources: Awaited<ReturnType<typeof loadSchemaSources>>;
  try {
    sources = await loadSchemaSources(options.schema, cwd);
    const files = options.files.length > 0 ? options.files.map((file) => resolve(cwd, file)) : await findTests(options.schema, cwd);
    if (files.length === 0) throw new TrestleError("CONFIG_INVALID", `no *${mappingTestSuffix} files below ${options.schema}`);
    tests = await Promise.all(files.map((file) => readMappingTest(file, displayName(file, cwd))));
  } catch (error) {
    if (!(error instanceof TrestleError)) throw error;
    stderr(`trestle test: ${(error as Error).message}`);
    return 2;
  }
  const texts = sources.map((source) => source.body);
  // Replays build on the placeholders, so that no secret is needed; recordings on the real env.
  const planEnv = options.record ? env : readTestSecrets(texts, env).replayEnv;
  const { plan, diagnostics } = buildSchemaPlan(sources, { env: planEnv });
  if (plan === undefined) {
    for (const diagnostic of diagnostics) if (diagnostic.severity === "error") stderr(formatDiagnostic(diagnostic));
    stderr(`trestle test: the schema ${options.schema} does not build`);
    return 2;
  }
  const upstreams = [...plan.upstreams.values()];
  const setup = { schema: options.schema, cwd, env, texts, upstreams: upstreams.map((upstream) => upstream.name) };
  const tap = options.reporter === "tap";
  if (tap) stdout("TAP version 13");
  let failed = 0;
  for (const [at, test] of tests.entries()) {
    let result: MappingTestResult;
    try {
      result = options.record ? await recordMappingTest(test, setup, upstreams) : await runMappingTest(test, setup);
    } catch (error) {
      result = { name: test.name, failures: [error instanceof Error ? error.message : String(error)] };
    }
    if (result.failures.length > 0) failed += 1;
    const verb = options.record ? "recorded" : "ok";
    if (tap) {
      stdout(`${result.failures.length === 0 ? "ok" : "not ok"} ${at + 1} - ${test.name}`);
      if (result.failures.length > 0)
        stdout(["  ---", "  failures:", ...result.failures.map((line) => `    - ${JSON.stringify(line)}`), "  ..."].join("\n"));
    } else {
      stdout(result.failures.length === 0 ? `${verb.padEnd(4)} ${test.name}` : `FAIL ${test.name}`);
      for (const line of result.failures) stdout(`  ${line}`);
    }
  }
  const passed = tests.length - failed;
  if (tap) stdout(`1..${tests.length}\n# tests ${tests.length}\n# pass ${passed}\n# fail ${failed}`);
  else stdout(`# tests ${tests.length}, ${options.record ? "recorded" : "pass"} ${passed}, fail ${failed}`);
  return failed > 0 ? 1 : 0;
}

async function findTests(schema: string, cwd: string): Promise<string[]> {
  const path = resolve(cwd, schema);
  const info = await stat(path).catch(() => undefined);
  if (info === undefined || !info.isDirectory()) return [];
  return (await listFiles(path)).filter((file) => file.endsWith(mappingTestSuffix)).sort();
}
