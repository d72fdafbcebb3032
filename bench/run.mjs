#!/usr/bin/env node
// Trestle side by side with the alternatives. Starts the benchmark upstream, then, for each
// round, scenario and system (one at a time, in rotating order): spawns the system in its
// own process, measures cold start and idle memory, checks its answer (the correctness
// gate), warms it up, loads it with autocannon from a separate process, samples its
// memory, counts upstream calls, and stops it. Writes results/latest.md and latest.json.
//
//   npm run bench                      3 rounds, 2 s warm-up, 5 s measured per system
//   npm run bench:quick                1 round, fewer scenarios, short runs (< 3 min)
//   node run.mjs --scenarios n1,cache --systems trestle,yoga --rounds 2 --duration 10
//   node run.mjs --trestle /path/to/trestle   a Trestle checkout with dist/ built
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { buildExpectedAnswers, canonicalJson } from "./lib/api.mjs";
import {
  buildRequest,
  configureUpstream,
  readUpstreamStats,
  resetUpstream,
  send,
  startUpstream,
  waitUntilAnswering,
} from "./lib/harness.mjs";
import {
  getFreePort,
  killAllSpawned,
  readTreeCpuMicros,
  readTreeRss,
  runLoadWorker,
  sampleRss,
  spawnSystem,
  stopProcess,
} from "./lib/processes.mjs";
import { buildReport } from "./lib/report.mjs";
import { quickScenarioIds, scenarios as allScenarios } from "./lib/scenarios.mjs";
import { systems } from "./lib/systems.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const options = parseOptions(process.argv.slice(2));
const expected = buildExpectedAnswers();
const loadWorker = join(here, "lib", "load-worker.mjs");

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => {
    killAllSpawned();
    process.exit(130);
  });
}
await main();

async function main() {
  const trestleDir = resolve(here, options.trestle);
  assertTrestleBuilt(trestleDir);
  const baseDir = options.base === undefined ? undefined : resolve(here, options.base);
  if (baseDir !== undefined) assertTrestleBuilt(baseDir);
  const scenarioList = allScenarios.filter((scenario) => options.scenarios.includes(scenario.id));
  const started = new Date();
  log(
    `trestle-bench: ${options.rounds} round(s), warm-up ${options.warmup} s, ${options.duration} s measured, ` +
      `${options.connections} connections (50 for n1-5ms and dedupe); scenarios ${scenarioList.map((s) => s.id).join(", ")}`,
  );
  if (options.systems.includes("hive")) composeHiveSupergraph();

  const upstream = await startUpstream(here);
  const results = [];
  try {
    for (let round = 0; round < options.rounds; round++) {
      for (const scenario of scenarioList) {
        await configureUpstream(upstream, scenario.upstream);
        const candidates =
          baseDir === undefined
            ? scenario.systems
            : scenario.systems.flatMap((id) => (id === "trestle" ? ["trestle", "trestle-base"] : [id]));
        const ids = rotate(
          candidates.filter((id) => options.systems.includes(id)),
          round,
        );
        for (const systemId of ids) {
          const result = await runOne({ round, scenario, systemId, upstream, trestleDir, baseDir });
          results.push(result);
          log(formatLine(result));
        }
      }
    }
  } finally {
    await stopProcess(upstream.handle);
  }

  const machine = describeMachine();
  const run = {
    date: started.toISOString(),
    finishedAt: new Date().toISOString(),
    command: options.quick ? "npm run bench:quick" : "npm run bench",
    argv: process.argv.slice(2),
    machine,
    settings: {
      rounds: options.rounds,
      warmupSeconds: options.warmup,
      durationSeconds: options.duration,
      connections: options.connections,
      trestleDir,
    },
    trestle: describeTrestle(trestleDir),
    ...(baseDir === undefined ? {} : { base: describeTrestle(baseDir) }),
    scenarios: scenarioList.map(({ id, title, about, connections, upstream: u }) => ({
      id,
      title,
      about,
      connections: connections ?? options.connections,
      upstream: u,
    })),
    systems: Object.fromEntries(Object.entries(systems).map(([id, s]) => [id, s.label])),
    results,
  };
  const markdown = buildReport(run);
  mkdirSync(join(here, "results"), { recursive: true });
  writeFileSync(join(here, "results", options.quick ? "latest-quick.json" : "latest.json"), JSON.stringify(run, null, 2) + "\n");
  writeFileSync(join(here, "results", options.quick ? "latest-quick.md" : "latest.md"), markdown);
  process.stdout.write("\n" + markdown);
}

/** One system, one scenario, one round. */
async function runOne({ round, scenario, systemId, upstream, trestleDir, baseDir }) {
  const system = systems[systemId];
  const connections = scenario.connections ?? options.connections;
  const base = { round, scenario: scenario.id, system: systemId, connections };
  let handle;
  let target;
  let coldStartMs = null;
  let idleRss = null;
  try {
    if (system.kind === "raw") {
      handle = upstream.handle;
      target = upstream.url;
    } else {
      const port = await getFreePort();
      target = `http://127.0.0.1:${port}`;
      const began = performance.now();
      const context = { port, trestleDir, baseDir, upstreamUrl: upstream.url, scenario };
      handle = spawnSystem(system, context, {
        cwd: here,
        env: { PORT: String(port), UPSTREAM_URL: upstream.url, NODE_ENV: "production", ...system.env },
      });
      const ready = await waitUntilAnswering(system, target, handle);
      // The dedupe scenario's schema needs `dedupe` (lands with the whole-operation cache work).
      if (!ready.ok && scenario.trestleAmendment !== undefined && /\bdedupe\b/.test(handle.output()))
        return { ...base, status: "n/a", reason: `this Trestle build rejects \`${scenario.trestleAmendment}\`: skipped` };
      if (!ready.ok) return { ...base, status: "error", reason: `failed to start: ${ready.reason}` };
      coldStartMs = performance.now() - began;
      await sleep(options.idleMs);
      idleRss = readTreeRss(handle.pid);
    }

    const request = buildRequest(scenario, system, target);
    // Correctness gate: the answer must equal the expected one (keys in any order).
    await resetUpstream(upstream);
    const first = await send(request);
    const firstCalls = (await readUpstreamStats(upstream)).total;
    const verdict = await checkAnswer(scenario, system, first, upstream);
    if (verdict === "not-landed")
      return { ...base, status: "n/a", reason: "passthrough not landed (/rest/ answers 404)", coldStartMs, idleRss };
    if (verdict !== "ok") return { ...base, status: "gate-failed", reason: verdict, coldStartMs, idleRss };
    const second = await send(request);
    const expectBody = second.status === first.status && second.text === first.text ? first.text : undefined;

    const load = { url: request.url, method: request.method, headers: request.headers, body: request.body, connections, expectBody };
    await runLoadWorker(loadWorker, { ...load, duration: options.warmup });
    await readSettledStats(upstream); // let the warm-up's last queries finish their calls
    await resetUpstream(upstream);
    const sampler = sampleRss(handle.pid);
    const cpuBefore = readTreeCpuMicros(handle.pid);
    const measured = await runLoadWorker(loadWorker, { ...load, duration: options.duration });
    const cpuMicros = readTreeCpuMicros(handle.pid) - cpuBefore;
    const peakRss = sampler.stop();
    // Queries still in flight when the load stopped finish their upstream calls: wait for
    // the counter to settle, then divide by the queries sent (answered + in flight).
    const stats = await readSettledStats(upstream);
    const answered = measured.ok + measured.non2xx;
    const sent = Math.max(answered, measured.sent ?? answered);
    const failures = measured.non2xx + measured.errors + measured.timeouts + measured.mismatches;
    return {
      ...base,
      status: failures > answered * 0.005 ? "errors" : "ok",
      reason:
        failures > 0
          ? `${measured.non2xx} non-2xx, ${measured.errors} errors, ${measured.timeouts} timeouts, ${measured.mismatches} wrong bodies`
          : undefined,
      requestsPerSecond: measured.requestsPerSecond,
      latency: measured.latency,
      requests: answered,
      // The system's own CPU time (user + system, every thread and child) during the measured run.
      cpuMicros,
      cpuMicrosPerRequest: answered > 0 ? cpuMicros / answered : null,
      requestsPerCpuSecond: cpuMicros > 0 ? answered / (cpuMicros / 1e6) : null,
      upstreamCalls: system.kind === "raw" ? answered : stats.total,
      callsPerQuery: system.kind === "raw" ? 1 : sent > 0 ? stats.total / sent : null,
      upstreamByRoute: stats.byRoute,
      firstQueryCalls: system.kind === "raw" ? 1 : firstCalls,
      peakRss,
      idleRss,
      coldStartMs,
      bodyChecked: expectBody !== undefined,
      failures,
    };
  } catch (error) {
    return { ...base, status: "error", reason: String(error?.message ?? error), coldStartMs, idleRss };
  } finally {
    if (handle !== undefined && system.kind !== "raw") {
      const exit = await stopProcess(handle);
      if (exit.code !== 0 && exit.code !== null && options.verbose)
        log(`  ${systemId} exited ${exit.code}: ${handle.output().slice(-800)}`);
    }
  }
}

/** "ok", "not-landed" (Trestle passthrough absent), or why the answer is wrong. */
async function checkAnswer(scenario, system, answer, upstream) {
  if (system.kind === "raw") return answer.status === 200 ? "ok" : `upstream answered ${answer.status}`;
  if (scenario.passthrough !== undefined) {
    if (answer.status === 404 && system.kind === "graphql") return "not-landed";
    const direct = await send({ url: upstream.url + scenario.passthrough, method: "GET", headers: {} });
    if (answer.status !== direct.status) return `status ${answer.status}, the upstream's is ${direct.status}`;
    return sameJson(answer.text, direct.text) ? "ok" : `body differs from the upstream's: ${answer.text.slice(0, 300)}`;
  }
  if (answer.status !== 200) return `HTTP ${answer.status}: ${answer.text.slice(0, 300)}`;
  let body;
  try {
    body = JSON.parse(answer.text);
  } catch {
    return `not JSON: ${answer.text.slice(0, 300)}`;
  }
  if (body.errors !== undefined) return `GraphQL errors: ${JSON.stringify(body.errors).slice(0, 300)}`;
  const want = expected[scenario.query];
  const data = system.numericIds ? idsAsStrings(body.data) : body.data;
  if (canonicalJson({ data }) === canonicalJson(want)) return "ok";
  return `wrong data: got ${JSON.stringify(body.data).slice(0, 200)}…, expected ${JSON.stringify(want.data).slice(0, 200)}…`;
}

/** `id` fields that a system answers as JSON numbers, as strings (the upstream's own ids are strings). */
function idsAsStrings(value) {
  if (Array.isArray(value)) return value.map(idsAsStrings);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, each]) => [key, key === "id" && typeof each === "number" ? String(each) : idsAsStrings(each)]),
  );
}

async function readSettledStats(upstream) {
  let previous = await readUpstreamStats(upstream);
  for (let i = 0; i < 20; i++) {
    await sleep(150);
    const next = await readUpstreamStats(upstream);
    if (next.total === previous.total) return next;
    previous = next;
  }
  return previous;
}

function sameJson(a, b) {
  try {
    return canonicalJson(JSON.parse(a)) === canonicalJson(JSON.parse(b));
  } catch {
    return a === b;
  }
}

// --- setup --------------------------------------------------------------------------

function assertTrestleBuilt(trestleDir) {
  if (!existsSync(join(trestleDir, "bin", "trestle.js")) || !existsSync(join(trestleDir, "dist", "cli", "main.js"))) {
    console.error(`Trestle is not built in ${trestleDir}: run npm ci (or npm run build) in the repo root first.`);
    process.exit(2);
  }
  const newestSource = newestMtime(join(trestleDir, "src"));
  const newestBuild = newestMtime(join(trestleDir, "dist"));
  if (newestSource > newestBuild) {
    log(
      `warning: ${join(trestleDir, "dist")} is older than src/ (by ${((newestSource - newestBuild) / 1000).toFixed(0)} s): ` +
        "the benchmark runs the built code; run npm run build in the repo root to measure the sources.",
    );
  }
}

/** Which Trestle was measured: its git commit when it is a checkout, and when dist/ was built. */
function describeTrestle(trestleDir) {
  let commit = null;
  try {
    commit = execFileSync("git", ["-C", trestleDir, "rev-parse", "--short", "HEAD"], { stdio: ["ignore", "pipe", "ignore"] })
      .toString()
      .trim();
  } catch {}
  return { dir: trestleDir, commit, distBuiltAt: new Date(newestMtime(join(trestleDir, "dist"))).toISOString() };
}

function newestMtime(dir) {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function composeHiveSupergraph() {
  try {
    execFileSync(process.execPath, [join(here, "systems", "hive-gateway", "compose.mjs")], { cwd: here, stdio: "pipe" });
  } catch (error) {
    log(`mesh-compose failed; Hive Gateway will fail its gate: ${String(error.stderr ?? error).slice(-500)}`);
  }
}

function describeMachine() {
  let cpuModel = cpus()[0]?.model ?? "unknown";
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"));
    if (match) cpuModel = match[1].trim();
  } catch {}
  let loadAverage;
  try {
    loadAverage = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  } catch {}
  const pkg = (name) => {
    try {
      return JSON.parse(readFileSync(join(here, "node_modules", name, "package.json"), "utf8")).version;
    } catch {
      return "?";
    }
  };
  return {
    node: process.version,
    cpu: cpuModel,
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    platform: `${process.platform} ${process.arch}`,
    loadAverageAtStart: loadAverage,
    versions: Object.fromEntries(
      [
        "graphql",
        "graphql-yoga",
        "dataloader",
        "lru-cache",
        "@apollo/server",
        "@apollo/datasource-rest",
        "@graphql-hive/gateway",
        "@graphql-mesh/compose-cli",
        "@omnigraph/openapi",
        "@fastify/http-proxy",
        "fastify",
        "autocannon",
        "@tailcallhq/core-linux-x64-gnu",
      ].map((name) => [name, pkg(name)]),
    ),
  };
}

function parseOptions(argv) {
  const quick = argv.includes("--quick");
  const value = (name, fallback) => {
    const index = argv.indexOf(`--${name}`);
    return index === -1 ? fallback : argv[index + 1];
  };
  return {
    quick,
    verbose: argv.includes("--verbose"),
    rounds: Number(value("rounds", quick ? 1 : 3)),
    warmup: Number(value("warmup", quick ? 1 : 2)),
    duration: Number(value("duration", quick ? 3 : 5)),
    connections: Number(value("connections", 10)),
    idleMs: Number(value("idle-ms", quick ? 300 : 1000)),
    trestle: value("trestle", process.env.TRESTLE_DIR ?? ".."),
    base: value("base", process.env.TRESTLE_BASE_DIR),
    scenarios: value("scenarios", (quick ? quickScenarioIds : allScenarios.map((s) => s.id)).join(",")).split(","),
    systems: value("systems", Object.keys(systems).join(",")).split(","),
  };
}

function rotate(list, by) {
  if (list.length === 0) return list;
  const shift = by % list.length;
  return [...list.slice(shift), ...list.slice(0, shift)];
}

function formatLine(r) {
  const head = `[round ${r.round + 1}] ${r.scenario.padEnd(11)} ${r.system.padEnd(13)}`;
  if (r.status !== "ok" && r.status !== "errors") return `${head} ${r.status}: ${r.reason}`;
  return (
    `${head} ${r.requestsPerSecond.toFixed(0).padStart(7)} req/s  p50 ${r.latency.p50} ms  p99 ${r.latency.p99} ms  ` +
    `calls/q ${r.callsPerQuery?.toFixed(2)}  CPU ${r.cpuMicrosPerRequest?.toFixed(0)} µs/req  peak ${(r.peakRss / 2 ** 20).toFixed(0)} MB` +
    (r.coldStartMs !== null ? `  cold ${r.coldStartMs.toFixed(0)} ms` : "") +
    (r.reason ? `  (${r.reason})` : "")
  );
}

function log(line) {
  process.stderr.write(line + "\n");
}
