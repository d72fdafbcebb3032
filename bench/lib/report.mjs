// Turns one run's results into the markdown table: medians over rounds, and each system's
// ratio to Trestle computed within each round (the median of per-round ratios).
// `node lib/report.mjs results/latest.json` prints the table of a saved run again.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const MB = 2 ** 20;

export function buildReport(run) {
  const { machine, settings } = run;
  const lines = [];
  lines.push(`# Trestle benchmark: ${run.date.slice(0, 16).replace("T", " ")} UTC`);
  lines.push("");
  lines.push(
    `- Command: \`cd bench && ${run.command}${run.argv.filter((a) => a !== "--quick").length ? " -- " + run.argv.filter((a) => a !== "--quick").join(" ") : ""}\``,
  );
  lines.push(
    `- Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.platform}, Node ${machine.node}` +
      (machine.loadAverageAtStart ? `, load average at start ${machine.loadAverageAtStart}` : ""),
  );
  if (run.trestle) {
    lines.push(
      `- Trestle: \`${run.trestle.dir}\`${run.trestle.commit ? ` at ${run.trestle.commit}` : ""}, dist/ built ${run.trestle.distBuiltAt.slice(0, 16).replace("T", " ")} UTC`,
    );
  }
  lines.push(
    `- Load: autocannon in its own process, ${settings.connections} connections (50 in n1-5ms), ` +
      `${settings.warmupSeconds} s warm-up then ${settings.durationSeconds} s measured, ${settings.rounds} round(s), systems in rotating order, one at a time. ` +
      "System, upstream and load generator share the machine.",
  );
  lines.push("");
  lines.push(
    "`vs Trestle` = the system's req/s ÷ Trestle's req/s in the same round (median over rounds); below 1.00 means slower than Trestle. " +
      "Upstream calls/query = upstream requests during the measured run ÷ requests sent (after in-flight queries finish); `first` = calls for the first query after start-up. " +
      "CPU µs/req = the system's own CPU time (user + system, all threads and child processes, from /proc/PID/stat) during the measured run ÷ requests answered; " +
      "req/CPU-s is its inverse, and `per CPU vs Trestle` the system's req/CPU-s ÷ Trestle's in the same round (median over rounds).",
  );
  lines.push("");

  for (const scenario of run.scenarios) {
    const rows = run.results.filter((r) => r.scenario === scenario.id);
    if (rows.length === 0) continue;
    lines.push(`## ${scenario.title} (\`${scenario.id}\`, ${scenario.connections} connections)`);
    lines.push("");
    lines.push(scenario.about);
    lines.push("");
    lines.push(
      "| system | req/s | vs Trestle | CPU µs/req | req/CPU-s | per CPU vs Trestle | p50 ms | p99 ms | upstream calls/query | first | peak RSS MB | notes |",
    );
    lines.push("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
    const systemIds = [...new Set(rows.map((r) => r.system))].sort((a, b) => order(a) - order(b));
    for (const id of systemIds) {
      const mine = rows.filter((r) => r.system === id);
      const ok = mine.filter((r) => r.status === "ok" || r.status === "errors");
      const label = run.systems[id] ?? id;
      if (ok.length === 0) {
        const first = mine[0];
        lines.push(`| ${label} | — | — | — | — | — | — | — | — | — | — | **${first.status}**: ${escape(first.reason ?? "")} |`);
        continue;
      }
      const ratio = ratioToTrestle(run.results, scenario.id, id);
      const cpuRatio = perRoundRatio(run.results, scenario.id, (round) => cpuRatioOf(run.results, scenario.id, id, "trestle", round));
      const notes = [];
      const failing = ok.filter((r) => r.failures > 0);
      if (failing.length > 0) notes.push(`${failing[0].reason}`);
      if (!ok.every((r) => r.bodyChecked)) notes.push("body not checked under load");
      if (mine.length > ok.length)
        notes.push(`${mine.length - ok.length} round(s) failed: ${escape(mine.find((r) => !ok.includes(r)).reason ?? "")}`);
      lines.push(
        `| ${label} | ${fmt(median(ok.map((r) => r.requestsPerSecond)), 0)} | ${id === "trestle" ? "1.00" : ratio === null ? "—" : fmt(ratio, 2)} | ` +
          `${fmt(median(ok.map((r) => r.cpuMicrosPerRequest)), 0)} | ${fmt(median(ok.map((r) => r.requestsPerCpuSecond)), 0)} | ` +
          `${id === "trestle" ? "1.00" : cpuRatio === null ? "—" : fmt(cpuRatio, 2)} | ` +
          `${fmt(median(ok.map((r) => r.latency.p50)), 1)} | ${fmt(median(ok.map((r) => r.latency.p99)), 1)} | ` +
          `${fmt(median(ok.map((r) => r.callsPerQuery)), 2)} | ${fmt(median(ok.map((r) => r.firstQueryCalls)), 0)} | ` +
          `${fmt(median(ok.map((r) => r.peakRss)) / MB, 0)} | ${escape(notes.join("; "))} |`,
      );
    }
    lines.push("");
  }

  lines.push("## Cold start and idle memory");
  lines.push("");
  lines.push(
    "Cold start = from spawning `node` to the first successful answer (a `user(id)` query; a proxied GET for the proxy), median over every start in this run. " +
      "Idle RSS = resident memory (process and children) right after that first answer and a short pause.",
  );
  lines.push("");
  lines.push("| system | starts | cold start ms (median) | min | max | idle RSS MB (median) |");
  lines.push("|---|---:|---:|---:|---:|---:|");
  const started = [...new Set(run.results.filter((r) => r.coldStartMs != null).map((r) => r.system))].sort((a, b) => order(a) - order(b));
  for (const id of started) {
    const starts = run.results.filter((r) => r.system === id && r.coldStartMs != null);
    const times = starts.map((r) => r.coldStartMs);
    lines.push(
      `| ${run.systems[id] ?? id} | ${starts.length} | ${fmt(median(times), 0)} | ${fmt(Math.min(...times), 0)} | ${fmt(Math.max(...times), 0)} | ` +
        `${fmt(median(starts.map((r) => r.idleRss).filter((v) => v != null)) / MB, 0)} |`,
    );
  }
  lines.push("");

  lines.push("## Targets (issues 9 and 26)");
  lines.push("");
  lines.push("| target | measured | met |");
  lines.push("|---|---|---|");
  for (const target of evaluateTargets(run)) lines.push(`| ${target.name} | ${target.measured} | ${target.met} |`);
  lines.push("");
  return lines.join("\n");
}

/** Each target of issue 9, from the per-round ratios of this run. */
export function evaluateTargets(run) {
  const targets = [];
  const results = run.results;
  const n1First = okRows(results, "n1", "trestle").map((r) => r.firstQueryCalls);
  const n1NoStore = okRows(results, "n1-5ms", "trestle").map((r) => r.callsPerQuery);
  const minimum = 3;
  if (n1First.length + n1NoStore.length > 0) {
    const worst = Math.max(...n1First, ...n1NoStore);
    targets.push({
      name: `N+1 upstream calls = one per level (${minimum})`,
      measured: `first query ${n1First.length ? fmt(median(n1First), 0) : "—"}; no-store under load ${n1NoStore.length ? fmt(median(n1NoStore), 2) : "—"} per query`,
      met: verdict(worst <= minimum + 0.01),
    });
  }
  for (const id of ["single", "n1", "predict", "n1-5ms"]) {
    const ratio = perRoundRatio(results, id, (round) => {
      const trestle = rpsOf(results, id, "trestle", round);
      const peers = ["yoga", "apollo"].map((s) => rpsOf(results, id, s, round)).filter((v) => v !== null);
      return trestle === null || peers.length === 0 ? null : trestle / Math.max(...peers);
    });
    if (ratio !== null)
      targets.push({
        name: `${id}: Trestle ≥ 2× the best of yoga-by-hand / Apollo`,
        measured: `${fmt(ratio, 2)}×`,
        met: verdict(ratio >= 2),
      });
  }
  for (const id of ["n1", "n1-5ms"]) {
    const ratio = perRoundRatio(results, id, (round) => ratioOf(results, id, "trestle", "hive", round));
    if (ratio !== null) targets.push({ name: `${id}: Trestle ≥ 5× Hive Gateway`, measured: `${fmt(ratio, 2)}×`, met: verdict(ratio >= 5) });
  }
  const rssRatios = [];
  for (const scenario of run.scenarios) {
    const t = median(okRows(results, scenario.id, "trestle").map((r) => r.peakRss));
    const h = median(okRows(results, scenario.id, "hive").map((r) => r.peakRss));
    if (t !== null && h !== null) rssRatios.push({ id: scenario.id, ratio: t / h });
  }
  if (rssRatios.length > 0) {
    const worst = rssRatios.reduce((a, b) => (b.ratio > a.ratio ? b : a));
    targets.push({
      name: "peak RSS under load ≤ 0.5× Hive Gateway's",
      measured: rssRatios.map((r) => `${r.id} ${fmt(r.ratio, 2)}×`).join(", "),
      met: verdict(worst.ratio <= 0.5),
    });
  }
  const trestlePassthrough = results.filter((r) => r.scenario === "passthrough" && r.system === "trestle");
  if (trestlePassthrough.length > 0) {
    const ratio = perRoundRatio(results, "passthrough", (round) => ratioOf(results, "passthrough", "trestle", "fastify-proxy", round));
    const notLanded = trestlePassthrough.every((r) => r.status === "n/a");
    targets.push({
      name: "passthrough: Trestle ≥ 1.0× @fastify/http-proxy",
      measured: notLanded ? "n/a (not landed)" : ratio === null ? "—" : `${fmt(ratio, 2)}×`,
      met: notLanded || ratio === null ? "n/a" : verdict(ratio >= 1),
    });
  }
  // Issue 26: against Tailcall 1.0, each ratio taken within a round.
  const tailcallTargets = [
    ["predict", "tailcall", "perCpu", 0.7, "predict: Trestle ≥ 0.7× Tailcall's requests per CPU-second"],
    ["cache", "tailcall-nobatch", "rps", 0.8, "cache hit: Trestle ≥ 0.8× Tailcall (no batch window) req/s"],
    ["n1", "tailcall", "rps", 1.0, "n1 (cacheable): Trestle ≥ 1.0× Tailcall req/s"],
    ["dedupe", "tailcall", "rps", 1.0, "no-store N+1, 50 connections, dedupe on both: Trestle ≥ 1.0× Tailcall req/s"],
  ];
  for (const [id, other, kind, goal, name] of tailcallTargets) {
    const ratio = perRoundRatio(results, id, (round) =>
      kind === "rps" ? ratioOf(results, id, "trestle", other, round) : cpuRatioOf(results, id, "trestle", other, round),
    );
    if (ratio !== null) targets.push({ name, measured: `${fmt(ratio, 2)}×`, met: verdict(ratio >= goal) });
  }
  const cacheRatio = perRoundRatio(results, "cache", (round) => ratioOf(results, "cache", "trestle", "bare-json", round));
  if (cacheRatio !== null)
    targets.push({
      name: "cache hit: Trestle ≥ 0.5× a bare node:http server writing the JSON",
      measured: `${fmt(cacheRatio, 2)}×`,
      met: verdict(cacheRatio >= 0.5),
    });
  return targets;
}

function ratioToTrestle(results, scenario, system) {
  return perRoundRatio(results, scenario, (round) => ratioOf(results, scenario, system, "trestle", round));
}

function perRoundRatio(results, scenario, ratioOfRound) {
  const rounds = [...new Set(results.filter((r) => r.scenario === scenario).map((r) => r.round))];
  return median(rounds.map(ratioOfRound).filter((v) => v !== null));
}

function ratioOf(results, scenario, a, b, round) {
  const x = rpsOf(results, scenario, a, round);
  const y = rpsOf(results, scenario, b, round);
  return x === null || y === null || y === 0 ? null : x / y;
}

function rpsOf(results, scenario, system, round) {
  return rowOf(results, scenario, system, round)?.requestsPerSecond ?? null;
}

/** a's requests per CPU-second ÷ b's, in one round. */
function cpuRatioOf(results, scenario, a, b, round) {
  const x = rowOf(results, scenario, a, round)?.requestsPerCpuSecond ?? null;
  const y = rowOf(results, scenario, b, round)?.requestsPerCpuSecond ?? null;
  return x === null || y === null || y === 0 ? null : x / y;
}

function rowOf(results, scenario, system, round) {
  return results.find(
    (r) => r.scenario === scenario && r.system === system && r.round === round && (r.status === "ok" || r.status === "errors"),
  );
}

function okRows(results, scenario, system) {
  return results.filter((r) => r.scenario === scenario && r.system === system && (r.status === "ok" || r.status === "errors"));
}

export function median(values) {
  const list = values.filter((v) => typeof v === "number" && Number.isFinite(v)).sort((a, b) => a - b);
  if (list.length === 0) return null;
  const mid = Math.floor(list.length / 2);
  return list.length % 2 === 1 ? list[mid] : (list[mid - 1] + list[mid]) / 2;
}

const systemOrder = [
  "trestle",
  "trestle-base",
  "tailcall",
  "tailcall-nobatch",
  "yoga",
  "apollo",
  "hive",
  "fastify-proxy",
  "bare-json",
  "upstream",
];
function order(id) {
  const index = systemOrder.indexOf(id);
  return index === -1 ? 99 : index;
}

function fmt(value, digits) {
  if (value === null || value === undefined || Number.isNaN(value)) return "—";
  return value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function verdict(ok) {
  return ok ? "yes" : "**no**";
}

function escape(text) {
  return String(text).replaceAll("|", "\\|").replaceAll("\n", " ");
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  process.stdout.write(buildReport(JSON.parse(readFileSync(process.argv[2] ?? "results/latest.json", "utf8"))));
}
