#!/usr/bin/env node
// Profiles Trestle under load: runs it under `node --cpu-prof` for one or more scenarios,
// loads it like the benchmark does, stops it cleanly (SIGTERM, so V8 writes the profile)
// and prints the top self-time frames of each profile.
//
//   npm run profile                               n1 and cache, 10 s each, top 15
//   node profile.mjs --scenarios n1 --duration 20 --top 25 --trestle /path/to/trestle
//   node profile.mjs --scenarios single --tracing     with OTLP traces sent to a receiver here
// Profiles are written to results/profiles/trestle-<scenario>.cpuprofile (open them in
// Chrome DevTools > Performance, or VS Code) and the tables to results/profiles/top.md.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { formatFrames, topSelfFrames } from "./lib/cpuprofile-top.mjs";
import {
  buildRequest,
  configureUpstream,
  readUpstreamStats,
  resetUpstream,
  send,
  startUpstream,
  waitUntilAnswering,
} from "./lib/harness.mjs";
import { getFreePort, killAllSpawned, runLoadWorker, sampleRss, spawnNode, stopProcess } from "./lib/processes.mjs";
import { startOtlpReceiver } from "./lib/otlp-receiver.mjs";
import { scenarios } from "./lib/scenarios.mjs";
import { systems } from "./lib/systems.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const value = (name, fallback) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : fallback);
const scenarioIds = value("scenarios", value("scenario", "n1,cache")).split(",");
const duration = Number(value("duration", 10));
const warmup = Number(value("warmup", 2));
const top = Number(value("top", 15));
const tracing = argv.includes("--tracing");
const trestleDir = resolve(here, value("trestle", process.env.TRESTLE_DIR ?? ".."));
const outDir = join(here, "results", "profiles");
// `--system bare-proxy`: profile another Node system the same way (its file is named after it).
const systemId = value("system", "trestle");

if (!existsSync(join(trestleDir, "bin", "trestle.js")) || !existsSync(join(trestleDir, "dist", "cli", "main.js"))) {
  console.error(`Trestle is not built in ${trestleDir}: run npm ci (or npm run build) in the repo root first.`);
  process.exit(2);
}
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => {
    killAllSpawned();
    process.exit(130);
  });
}
mkdirSync(outDir, { recursive: true });
const upstream = await startUpstream(here);
const receiver = tracing ? await startOtlpReceiver() : undefined;
const otel =
  receiver === undefined
    ? {}
    : { OTEL_TRACES_EXPORTER: "otlp", OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_TRACES_SAMPLER: "always_on" };
const sections = [];
try {
  for (const id of scenarioIds) {
    const scenario = scenarios.find((s) => s.id === id);
    if (scenario === undefined) throw new Error(`unknown scenario "${id}" (scenarios: ${scenarios.map((s) => s.id).join(", ")})`);
    sections.push(await profileScenario(scenario));
  }
} finally {
  await stopProcess(upstream.handle);
  receiver?.close();
}
const markdown =
  `# Trestle CPU profiles (${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, Node ${process.version})\n\n` +
  sections.join("\n");
writeFileSync(join(outDir, "top.md"), markdown);
process.stdout.write(markdown);

async function profileScenario(scenario) {
  const system = systems[systemId];
  if (system?.command === undefined) throw new Error(`--system ${systemId}: not a Node system`);
  await configureUpstream(upstream, scenario.upstream);
  const name = `${systemId}-${scenario.id}.cpuprofile`;
  rmSync(join(outDir, name), { force: true });
  const port = await getFreePort();
  const target = `http://127.0.0.1:${port}`;
  const nodeOptions = ["--cpu-prof", "--cpu-prof-dir", outDir, "--cpu-prof-name", name];
  const handle = spawnNode(system.command({ port, trestleDir, nodeOptions, scenario }), {
    cwd: here,
    env: { PORT: String(port), UPSTREAM_URL: upstream.url, NODE_ENV: "production", ...otel },
  });
  const ready = await waitUntilAnswering(system, target, handle);
  if (!ready.ok) throw new Error(`${systemId} did not start: ${ready.reason}`);
  const request = buildRequest(scenario, system, target);
  const first = await send(request);
  if (first.status !== 200 || first.text.includes('"errors"'))
    console.error(`warning: ${scenario.id} answered ${first.status}: ${first.text.slice(0, 300)}`);
  const connections = scenario.connections ?? 10;
  const load = { url: request.url, method: request.method, headers: request.headers, body: request.body, connections };
  await runLoadWorker(join(here, "lib", "load-worker.mjs"), { ...load, duration: warmup });
  await resetUpstream(upstream);
  const sampler = sampleRss(handle.pid);
  const measured = await runLoadWorker(join(here, "lib", "load-worker.mjs"), { ...load, duration });
  const peakRss = sampler.stop();
  const stats = await readUpstreamStats(upstream);
  const exit = await stopProcess(handle, 15_000);
  const file = join(outDir, name);
  if (!existsSync(file)) throw new Error(`no profile written (${systemId} exited ${JSON.stringify(exit)}): ${handle.output().slice(-800)}`);
  const summary = topSelfFrames(JSON.parse(readFileSync(file, "utf8")), top);
  const answered = measured.ok + measured.non2xx;
  return (
    `## ${scenario.title} (\`${scenario.id}\`)\n\n` +
    `Under --cpu-prof: ${measured.requestsPerSecond.toFixed(0)} req/s, p50 ${measured.latency.p50} ms, p99 ${measured.latency.p99} ms, ` +
    `${(stats.total / Math.max(1, answered)).toFixed(2)} upstream calls/query, peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MB, ` +
    `${connections} connections, ${duration} s (after ${warmup} s warm-up)${receiver ? `, tracing on (${receiver.spans} spans exported)` : ""}. Profile: \`results/profiles/${name}\` (whole process lifetime).\n\n` +
    formatFrames(summary)
  );
}
