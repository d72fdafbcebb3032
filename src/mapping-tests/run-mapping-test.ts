import { interpolateEnv } from "../template/interpolate-env.js";
import { createTrestle } from "../trestle.js";
import { diffResult } from "./diff-result.js";
import { executeOperation } from "./execute-operation.js";
import type { MappingTest, MappingTestResult } from "./mapping-test.js";
import { startReplayUpstream, type ReplayLedger } from "./start-replay-upstream.js";
import { readTestSecrets, replaceInStrings, testCursorSecret } from "./test-secrets.js";

/** What every test of a run shares: the schema and the upstreams it declares. */
export interface MappingTestSetup {
  schema: string | readonly string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** The schema's SDL texts, where `{env.X}` references are found. */
  texts: readonly string[];
  /** The names of the schema's upstreams. */
  upstreams: readonly string[];
}

/**
 * Replays one mapping test: a Trestle on the schema whose every upstream is a replay upstream
 * serving the recorded exchanges (src/mapping-tests/start-replay-upstream.ts), the operation sent
 * as a client would, then the result compared with `expect`. Fails on a call no exchange matches,
 * an exchange never called, and each difference of the result.
 */
export async function runMappingTest(test: MappingTest, setup: MappingTestSetup): Promise<MappingTestResult> {
  if (test.exchanges === undefined || test.expect === undefined)
    return { name: test.name, failures: [`not recorded yet: run "trestle test --record ${test.name}" against the real upstreams`] };
  const { replayEnv, placeholders } = readTestSecrets([...setup.texts, ...Object.values(test.headers)], setup.env);
  const ledger: ReplayLedger = {
    exchanges: replaceInStrings(test.exchanges, placeholders),
    uses: test.exchanges.map(() => 0),
    unexpected: [],
  };
  const unknown = ledger.exchanges.filter((e) => e.request.upstream !== undefined && !setup.upstreams.includes(e.request.upstream));
  if (unknown.length > 0)
    return {
      name: test.name,
      failures: unknown.map(
        (e) =>
          `exchange ${e.request.method} ${e.request.path} names upstream "${e.request.upstream}", which the schema does not declare (declared: ${setup.upstreams.join(", ")})`,
      ),
    };
  const servers = await Promise.all(setup.upstreams.map((name) => startReplayUpstream(name, ledger)));
  const failures: string[] = [];
  try {
    const trestle = await createTrestle({
      schema: setup.schema,
      cwd: setup.cwd,
      env: replayEnv,
      metrics: false,
      logging: false,
      graphiql: false,
      cursorSecret: setup.env["TRESTLE_CURSOR_SECRET"] || testCursorSecret,
      upstreams: Object.fromEntries(setup.upstreams.map((name, at) => [name, { baseUrl: servers[at]!.url }])),
    });
    try {
      const headers = Object.fromEntries(Object.entries(test.headers).map(([key, value]) => [key, interpolateEnv(value, replayEnv).value]));
      const result = await executeOperation(trestle, test, headers);
      failures.push(...ledger.unexpected);
      for (const [at, exchange] of ledger.exchanges.entries()) {
        if (ledger.uses[at] === 0) {
          const upstream = exchange.request.upstream === undefined ? "" : ` to upstream "${exchange.request.upstream}"`;
          failures.push(`missing call: ${exchange.request.method} ${exchange.request.path}${upstream} was recorded but never made`);
        }
      }
      failures.push(...diffResult(replaceInStrings(test.expect, placeholders), result));
    } finally {
      await trestle.close();
    }
  } finally {
    await Promise.all(servers.map((server) => server.close()));
  }
  return { name: test.name, failures };
}
