#!/usr/bin/env node
// What telemetry costs: `trestle serve` on the `single` and `n1` scenarios with nothing on,
// then with each of metrics, per-request logs and tracing on alone, in the same rounds
// (rotating order), and the overhead of each as a ratio of the plain server's throughput.
//
//   npm run bench:telemetry                          3 rounds, 5 s each (after 2 s warm-up)
//   npm run bench:telemetry -- --rounds 5 --duration 10 --scenarios single --variants plain,tracing
//   npm run bench:telemetry -- --rate 2000            every variant at the same 2,000 req/s (not flat out)
//
// Tracing is asked for with the standard OTEL_* variables (OTLP over HTTP to a receiver in
// this process, which counts the spans it is sent: protobuf or JSON); a build of Trestle
// whose `serve` sets up no SDK exports nothing, and the report says so. Log lines go to
// /dev/null: what is measured is Trestle writing them, not a reader. Targets: tracing
// ≤ 10 %, metrics ≤ 2 % (issue 24). On `single` and `predict` the floor variants run too: the
// bench's bare proxy without telemetry, with the same SDK dropping every trace, and exporting the
// same three spans (systems/bare-proxy/otel.mjs): what tracing costs with no Trestle around it. Writes results/telemetry-<date>.md.
import { spawn } from "node:child_process";
import { openSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildRequest, configureUpstream, send, startUpstream, waitUntilAnswering } from "./lib/harness.mjs";
import { getFreePort, killAllSpawned, readTreeCpuMicros, runLoadWorker, stopProcess } from "./lib/processes.mjs";
import { startOtlpReceiver } from "./lib/otlp-receiver.mjs";
import { median } from "./lib/report.mjs";
import { scenarios } from "./lib/scenarios.mjs";
import { systems } from "./lib/systems.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const value = (name, fallback) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : fallback);
const rounds = Number(value("rounds", 3));
const duration = Number(value("duration", 5));
const warmup = Number(value("warmup", 2));
const connections = Number(value("connections", 10));
const scenarioIds = value("scenarios", "single,n1").split(",");
/** Requests a second the load is held at (every variant the same), or undefined: as fast as each answers. */
const rate = argv.includes("--rate") ? Number(value("rate", 0)) : undefined;
const trestleDir = resolve(here, value("trestle", process.env.TRESTLE_DIR ?? ".."));

/** Each variant: `trestle serve` flags and environment. Only `plain` has everything off. */
const allVariants = {
  plain: { label: "all off", args: ["--no-metrics", "--log-level", "silent"], env: {} },
  metrics: { label: "/metrics on", args: ["--log-level", "silent"], env: {} },
  logging: { label: "request logs on (info)", args: ["--no-metrics", "--log-level", "info"], env: {} },
  tracing: {
    label: "tracing on (OTLP/HTTP), every trace",
    args: ["--no-metrics", "--log-level", "silent"],
    env: "otlp",
    sampler: "always_on",
  },
  sampled: {
    label: "tracing on, 1 trace in 10 (parentbased_traceidratio 0.1)",
    args: ["--no-metrics", "--log-level", "silent"],
    env: "otlp",
    sampler: "parentbased_traceidratio",
    samplerArg: "0.1",
  },
  dropped: {
    label: "tracing on, every trace dropped (always_off: the SDK's fixed cost)",
    args: ["--no-metrics", "--log-level", "silent"],
    env: "otlp",
    sampler: "always_off",
  },
  // The floor of tracing (`single` and `predict`, the scenarios the bare proxy answers): the bare proxy (systems/bare-proxy) with no telemetry, and
  // with the same SDK, exporter and three spans per request as Trestle (systems/bare-proxy/otel.mjs).
  floor: { label: "floor: bare node:http + undici proxy, nothing on", system: "bare-proxy", args: [], env: {}, base: "floor" },
  "floor-tracing": {
    label: "floor: the bare proxy with the same SDK and 3 spans, every trace",
    system: "bare-proxy",
    args: [],
    env: "otlp",
    sampler: "always_on",
    base: "floor",
  },
  "floor-dropped": {
    label: "floor: the bare proxy with the same SDK, every trace dropped (always_off)",
    system: "bare-proxy",
    args: [],
    env: "otlp",
    sampler: "always_off",
    base: "floor",
  },
};
/** Variants run by default: all of them (the floor ones only in the scenarios the bare proxy answers). */
const variantIds = value("variants", Object.keys(allVariants).join(",")).split(",");
const floorScenarios = new Set(["single", "predict"]);
const runsIn = (variant, scenarioId) => allVariants[variant].system === undefined || floorScenarios.has(scenarioId);
const targets = { metrics: 0.02, tracing: 0.1, sampled: 0.1 };

for (const signal of ["SIGINT", "SIGTERM"])
  process.once(signal, () => {
    killAllSpawned();
    for (const handle of started) handle.child.kill("SIGKILL");
    process.exit(130);
  });
const started = new Set();
const receiver = await startOtlpReceiver();
const upstream = await startUpstream(here);
const results = {}; // scenario -> variant -> [{ rps, p50, p99 }]
try {
  for (let round = 0; round < rounds; round++) {
    for (const id of scenarioIds) {
      const scenario = scenarios.find((s) => s.id === id);
      if (scenario === undefined) throw new Error(`unknown scenario "${id}"`);
      await configureUpstream(upstream, scenario.upstream);
      // Rotating order: no variant always runs first (warmer caches, a quieter machine).
      const order = variantIds.map((_, at) => variantIds[(at + round) % variantIds.length]).filter((variant) => runsIn(variant, id));
      for (const variant of order) {
        const measured = await measure(scenario, variant);
        ((results[id] ??= {})[variant] ??= []).push(measured);
        console.error(`round ${round + 1}/${rounds} ${id} ${variant}: ${measured.rps.toFixed(0)} req/s, p50 ${measured.p50} ms`);
      }
    }
  }
} finally {
  await stopProcess(upstream.handle);
  receiver.close();
}

const date = new Date().toISOString().slice(0, 10);
const lines = [
  `# Telemetry overhead (${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, Node ${process.version})`,
  "",
  `\`npm run bench:telemetry -- --rounds ${rounds} --duration ${duration}${rate === undefined ? "" : ` --rate ${rate}`}${
    argv.includes("--scenarios") ? ` --scenarios ${scenarioIds.join(",")}` : ""
  }${argv.includes("--variants") ? ` --variants ${variantIds.join(",")}` : ""}\`: \`trestle serve\` (NODE_ENV=production), ${connections} connections` +
    (rate === undefined ? ", as fast as answered, " : `, held at ${rate} req/s (every variant the same load), `) +
    `${duration} s per run after ${warmup} s warm-up, ${rounds} rounds in rotating order; medians. CPU µs/req = Trestle's own CPU time (user + system, from /proc) ÷ requests answered; ` +
    `overhead = the variant's CPU per request ÷ the plain server's − 1 (what the target is about: on a shared 2-core machine req/s also moves with the load generator and the receiver). ` +
    `req/s overhead = 1 − req/s ÷ the plain server's.`,
  `Spans received by the OTLP receiver: ${receiver.spans} in ${receiver.requests} exports (${receiver.encodings.size ? [...receiver.encodings].join(", ") : "none"}).`,
  "",
  "| scenario | variant | req/s | req/s overhead | p50 ms | p99 ms | CPU µs/req | overhead | target |",
  "|---|---|---:|---:|---:|---:|---:|---:|---|",
];
for (const id of scenarioIds) {
  for (const variant of variantIds) {
    const runs = results[id][variant];
    if (runs === undefined) continue;
    const baseline = allVariants[variant].base ?? "plain";
    const base = median(results[id][baseline]?.map((r) => r.rps) ?? [NaN]);
    const baseCpu = median(results[id][baseline]?.map((r) => r.cpu) ?? [NaN]);
    const rps = median(runs.map((r) => r.rps));
    const cpu = median(runs.map((r) => r.cpu));
    const rpsOverhead = variant === baseline ? "" : `${((1 - rps / base) * 100).toFixed(1)} %`;
    const cpuOverhead = cpu / baseCpu - 1;
    const overhead =
      variant === baseline ? "" : `${(cpuOverhead * 100).toFixed(1)} % (${cpu - baseCpu >= 0 ? "+" : ""}${(cpu - baseCpu).toFixed(0)} µs)`;
    const target = targets[variant] === undefined ? "" : `≤ ${targets[variant] * 100} %${cpuOverhead <= targets[variant] ? " ✓" : " ✗"}`;
    lines.push(
      `| ${id} | ${allVariants[variant].label} | ${rps.toFixed(0)} | ${rpsOverhead} | ${median(runs.map((r) => r.p50))} | ${median(runs.map((r) => r.p99))} | ${cpu.toFixed(0)} | ${overhead} | ${target} |`,
    );
  }
}
if (results.single?.["floor-tracing"] !== undefined && results.single?.floor !== undefined && results.single?.plain !== undefined) {
  const cpuOf = (variant) => median(results.single[variant].map((r) => r.cpu));
  const floorCost = cpuOf("floor-tracing") - cpuOf("floor");
  lines.push(
    "",
    `The floor: the SDK alone, making and exporting the same three spans in a bare proxy, costs ${floorCost.toFixed(0)} µs of CPU per request; ` +
      `10 % of Trestle's plain \`single\` is ${(cpuOf("plain") * 0.1).toFixed(0)} µs.`,
  );
}
if (variantIds.includes("tracing") && receiver.spans === 0)
  lines.push("", "No span arrived: this build of `trestle serve` sets up no OpenTelemetry SDK, so the tracing row measures nothing.");
const markdown = `${lines.join("\n")}\n`;
writeFileSync(join(here, "results", `telemetry-${date}${rate === undefined ? "" : `-at-${rate}`}.md`), markdown);
process.stdout.write(markdown);

/** One run: a fresh `trestle serve` of the variant, warmed up, then measured; stopped after. */
async function measure(scenario, variant) {
  const spec = allVariants[variant];
  const system = systems[spec.system ?? "trestle"];
  const port = await getFreePort();
  const target = `http://127.0.0.1:${port}`;
  const env =
    spec.env === "otlp"
      ? {
          OTEL_TRACES_EXPORTER: "otlp",
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
          OTEL_SERVICE_NAME: "trestle-bench",
          OTEL_TRACES_SAMPLER: spec.sampler,
          ...(spec.samplerArg === undefined ? {} : { OTEL_TRACES_SAMPLER_ARG: spec.samplerArg }),
        }
      : { OTEL_SDK_DISABLED: "true" };
  const args = [...system.command({ port, trestleDir }), ...spec.args];
  const handle = spawnQuiet(args, { PORT: String(port), UPSTREAM_URL: upstream.url, NODE_ENV: "production", ...env });
  try {
    const ready = await waitUntilAnswering(system, target, handle);
    if (!ready.ok) throw new Error(`${system.label} (${variant}) did not start: ${ready.reason}`);
    const request = buildRequest(scenario, system, target);
    const first = await send(request);
    if (first.status !== 200 || first.text.includes('"errors"'))
      throw new Error(`${scenario.id} answered ${first.status}: ${first.text.slice(0, 300)}`);
    const load = {
      url: request.url,
      method: request.method,
      headers: request.headers,
      body: request.body,
      connections: scenario.connections ?? connections,
      overallRate: rate,
    };
    await runLoadWorker(join(here, "lib", "load-worker.mjs"), { ...load, duration: warmup });
    const cpuBefore = readTreeCpuMicros(handle.pid);
    const result = await runLoadWorker(join(here, "lib", "load-worker.mjs"), { ...load, duration });
    const cpu = (readTreeCpuMicros(handle.pid) - cpuBefore) / Math.max(1, result.requestsPerSecond * duration);
    if (result.non2xx > 0 || result.errors > 0)
      console.error(`warning: ${scenario.id} ${variant}: ${result.non2xx} non-2xx, ${result.errors} errors`);
    return { rps: result.requestsPerSecond, p50: result.latency.p50, p99: result.latency.p99, cpu };
  } finally {
    await stopProcess(handle, 15_000);
    started.delete(handle);
  }
}

/** `node args` with stdout to /dev/null (log lines cost Trestle, not this process) and stderr kept for errors. */
function spawnQuiet(args, env) {
  const child = spawn(process.execPath, args, {
    cwd: here,
    env: { ...process.env, ...env },
    stdio: ["ignore", openSync("/dev/null", "w"), "pipe"],
  });
  let output = "";
  child.stderr.on("data", (chunk) => (output = (output + chunk).slice(-8192)));
  const exited = new Promise((done) => child.once("exit", (code, signal) => done({ code, signal })));
  const handle = { child, pid: child.pid, exited, output: () => output };
  started.add(handle);
  return handle;
}
