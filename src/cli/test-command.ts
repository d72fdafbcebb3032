import { parseArgs } from "node:util";
import { runMappingTests } from "../mapping-tests/run-mapping-tests.js";
import { serveDefaults } from "../plan/serve-defaults.js";
import type { CliIo } from "./cli-io.js";

export const testUsage = `Usage: trestle test [options] [FILES...]

  --schema DIR            the schema the tests run against; without FILES, every *.mapping.yaml
                          below it is run (default: ${serveDefaults.schema})
  --record                run each operation against the real upstreams and write the calls made
                          and the result into its file (secrets written as {env.X})
  --demo                  with --record: start the bundled demo upstream when DEMO_API_URL is unset
  --reporter plain|tap    one line per test and a summary line, or TAP version 13 (default: plain)
  -h, --help              show this help

Exits 0 when every test passed, 1 when one failed, 2 when the tests could not run.
Docs: docs/mapping-tests.md`;

/** `trestle test`: mapping tests (src/mapping-tests/); a usage error exits 2, as a schema that does not build. */
export async function runTest(args: readonly string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      options: {
        schema: { type: "string", default: serveDefaults.schema },
        record: { type: "boolean", default: false },
        demo: { type: "boolean", default: false },
        reporter: { type: "string", default: "plain" },
        help: { type: "boolean", short: "h", default: false },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    io.stderr(`trestle test: ${(error as Error).message}\n\n${testUsage}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(testUsage);
    return 0;
  }
  if (values.reporter !== "plain" && values.reporter !== "tap") {
    io.stderr(`trestle test: --reporter must be "plain" or "tap", received "${values.reporter}"`);
    return 2;
  }
  const env = { ...io.env };
  let closeDemo = async () => {};
  if (values.demo && values.record && !env["DEMO_API_URL"]) {
    const { startDemoUpstream } = await import("../demo/demo-upstream.js");
    const demo = await startDemoUpstream();
    env["DEMO_API_URL"] = demo.url;
    closeDemo = () => demo.close();
  }
  try {
    return await runMappingTests({
      schema: values.schema,
      files: positionals,
      cwd: io.cwd,
      env,
      record: values.record,
      reporter: values.reporter,
      stdout: io.stdout,
      stderr: io.stderr,
    });
  } finally {
    await closeDemo();
  }
}
