import { writeFile } from "node:fs/promises";
import type { UpstreamPlan } from "../plan/schema-plan.js";
import { interpolateEnv } from "../template/interpolate-env.js";
import { createTrestle } from "../trestle.js";
import { executeOperation } from "./execute-operation.js";
import type { MappingExchange, MappingTest, MappingTestResult } from "./mapping-test.js";
import type { MappingTestSetup } from "./run-mapping-test.js";
import { startRecordingProxy } from "./start-recording-proxy.js";
import { readTestSecrets, replaceInStrings, testCursorSecret } from "./test-secrets.js";

/**
 * `trestle test --record`: runs the test's operation against the real upstreams, each behind a
 * recording proxy (src/mapping-tests/start-recording-proxy.ts), and writes the calls made as
 * `exchanges` and the result as `expect` into the file; the rest of the file (operation,
 * variables, headers, comments) stays as written. Every real value of an `{env.X}` the schema or
 * the headers read is written as `{env.X}`; nothing is written when an upstream was unreachable.
 */
export async function recordMappingTest(
  test: MappingTest,
  setup: MappingTestSetup,
  upstreams: readonly UpstreamPlan[],
): Promise<MappingTestResult & { exchanges: number }> {
  const exchanges: MappingExchange[] = [];
  const proxies = await Promise.all(upstreams.map((upstream) => startRecordingProxy(upstream, exchanges, upstreams.length > 1)));
  let expect: { data: unknown; errors?: unknown[] };
  try {
    const trestle = await createTrestle({
      schema: setup.schema,
      cwd: setup.cwd,
      env: setup.env,
      metrics: false,
      logging: false,
      graphiql: false,
      cursorSecret: setup.env["TRESTLE_CURSOR_SECRET"] || testCursorSecret,
      upstreams: Object.fromEntries(upstreams.map((upstream, at) => [upstream.name, { baseUrl: proxies[at]!.url }])),
    });
    try {
      const headers = Object.fromEntries(Object.entries(test.headers).map(([key, value]) => [key, interpolateEnv(value, setup.env).value]));
      const result = await executeOperation(trestle, test, headers);
      expect = { data: result.data, ...(result.errors.length > 0 ? { errors: result.errors } : {}) };
    } finally {
      await trestle.close();
    }
  } finally {
    await Promise.all(proxies.map((proxy) => proxy.close()));
  }
  const failures = proxies.flatMap((proxy) => proxy.failures);
  if (failures.length > 0) return { name: test.name, failures: [...failures, `${test.name} left as it was`], exchanges: 0 };
  const { secrets } = readTestSecrets([...setup.texts, ...Object.values(test.headers)], setup.env);
  const redacted = replaceInStrings({ exchanges, expect }, secrets);
  const { document } = test;
  document.set("exchanges", document.createNode(redacted.exchanges));
  document.set("expect", document.createNode(redacted.expect));
  await writeFile(test.path, document.toString({ lineWidth: 0, flowCollectionPadding: false }));
  return { name: test.name, failures: [], exchanges: exchanges.length };
}
