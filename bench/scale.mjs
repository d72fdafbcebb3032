// Scaling benchmark (issue 23), apart from run.mjs: Trestle only, no competitor.
//   1. `trestle serve --workers 2` vs one process, on the `cache` and `n1` scenarios:
//      requests per second (and the ratio), and CPU per request (every process of the server).
//   2. Two replicas sharing a Redis vs two replicas without: a shared working set of users
//      read through both replicas in turn; upstream calls and cache hit rate.
//
//   node bench/scale.mjs [--duration 5] [--warmup 2] [--connections 10] [--users 300] [--reads 3000] [--parts workers,replicas]
//
// Needs the root's dist/ (npm run build) and redis-server (Debian's package) for part 2; the
// load is sent from this process (fetch, keep-alive), so on a small machine it competes with
// the server for the CPU: compare ratios, not absolute numbers. Prints markdown; writes nothing.
import { readFileSync } from "node:fs";
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import { queries } from "./lib/api.mjs";
import { configureUpstream, readUpstreamStats, resetUpstream, startUpstream } from "./lib/harness.mjs";
import { getFreePort, killAllSpawned, spawnNode, stopProcess } from "./lib/processes.mjs";

const benchDir = dirname(fileURLToPath(import.meta.url));
const root = join(benchDir, "..");
const { values } = parseArgs({
  options: {
    duration: { type: "string", default: "5" },
    warmup: { type: "string", default: "2" },
    connections: { type: "string", default: "10" },
    users: { type: "string", default: "300" },
    reads: { type: "string", default: "3000" },
    parts: { type: "string", default: "workers,replicas" },
  },
});
const durationMs = Number(values.duration) * 1000;
const warmupMs = Number(values.warmup) * 1000;
const connections = Number(values.connections);
const clockTicks = 100; // USER_HZ on Linux

process.on("SIGINT", () => {
  killAllSpawned();
  process.exit(130);
});

/** CPU seconds (user + system) of a process and its descendants, from /proc. */
function treeCpuSeconds(pid) {
  let ticks = 0;
  const visit = (each) => {
    try {
      const stat = readFileSync(`/proc/${each}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
      const children = readFileSync(`/proc/${each}/task/${each}/children`, "utf8").trim().split(/\s+/).filter(Boolean);
      for (const child of children) visit(Number(child));
    } catch {
      // gone
    }
  };
  visit(pid);
  return ticks / clockTicks;
}

async function startTrestle(upstreamUrl, extra = []) {
  const port = await getFreePort();
  const handle = spawnNode(
    [join(root, "bin", "trestle.js"), "serve", "--schema", "systems/trestle/schema", "--port", String(port), ...extra],
    { cwd: benchDir, env: { UPSTREAM_URL: upstreamUrl, NODE_ENV: "production" } },
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = performance.now() + 60_000;
  while (performance.now() < deadline) {
    if (/trestle serving/.test(handle.output())) {
      try {
        if ((await fetch(`${url}/readyz`)).ok) return { handle, url };
      } catch {
        // not yet
      }
    }
    if (handle.child.exitCode !== null) break;
    await sleep(50);
  }
  throw new Error(`trestle did not start: ${handle.output()}`);
}

const graphql = (url, query) =>
  fetch(`${url}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query }) });

/** `connections` loops sending `query` for `ms`; how many answers came (all must be 200). */
async function load(url, query, ms) {
  const end = performance.now() + ms;
  let done = 0;
  let failed = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < end) {
        const response = await graphql(url, query);
        await response.arrayBuffer();
        if (response.ok) done++;
        else failed++;
      }
    }),
  );
  if (failed > 0) throw new Error(`${failed} answers were not 200`);
  return done;
}

async function measureWorkers(upstream) {
  const rows = [];
  for (const scenario of ["cache", "n1"]) {
    const query = queries[scenario === "cache" ? "user" : "n1"];
    const results = {};
    for (const [label, extra] of [
      ["1 process", []],
      ["--workers 2", ["--workers", "2"]],
    ]) {
      await configureUpstream(upstream, { delayMs: 0, cacheMode: "public" });
      const trestle = await startTrestle(upstream.url, extra);
      try {
        await load(trestle.url, query, warmupMs);
        const cpuBefore = treeCpuSeconds(trestle.handle.pid);
        const started = performance.now();
        const answered = await load(trestle.url, query, durationMs);
        const seconds = (performance.now() - started) / 1000;
        const cpu = treeCpuSeconds(trestle.handle.pid) - cpuBefore;
        results[label] = { rps: answered / seconds, cpuMsPerRequest: (cpu * 1000) / answered };
      } finally {
        await stopProcess(trestle.handle);
      }
    }
    const one = results["1 process"];
    const two = results["--workers 2"];
    rows.push(
      `| ${scenario} | ${one.rps.toFixed(0)} | ${two.rps.toFixed(0)} | ${(two.rps / one.rps).toFixed(2)}× | ${one.cpuMsPerRequest.toFixed(3)} | ${two.cpuMsPerRequest.toFixed(3)} |`,
    );
  }
  return [
    "| scenario | req/s, 1 process | req/s, --workers 2 | ratio | CPU ms/req, 1 process | CPU ms/req, --workers 2 |",
    "|---|---|---|---|---|---|",
    ...rows,
  ].join("\n");
}

async function startRedisServer() {
  const port = await getFreePort();
  const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let output = "";
  await new Promise((resolve, reject) => {
    child.stdout.on("data", (chunk) => {
      output += chunk;
      if (output.includes("Ready to accept connections")) resolve();
    });
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`redis-server exited ${code}`)));
  });
  return { url: `redis://127.0.0.1:${port}`, stop: () => child.kill("SIGTERM") };
}

/** Cache reads by result, summed over the replicas' /metrics. */
async function cacheReads(urls) {
  const totals = { redisErrors: 0 };
  for (const url of urls) {
    const text = await (await fetch(`${url}/metrics`)).text();
    for (const [, result, value] of text.matchAll(/^trestle_cache_reads_total\{upstream="bench",result="(\w+)"\} (\d+)/gm))
      totals[result] = (totals[result] ?? 0) + Number(value);
    for (const [, value] of text.matchAll(/^trestle_cache_redis_errors_total\{[^}]*\} (\d+)/gm)) totals.redisErrors += Number(value);
  }
  return totals;
}

async function measureReplicas(upstream) {
  const users = Number(values.users);
  const reads = Number(values.reads);
  const redis = await startRedisServer();
  const rows = [];
  try {
    for (const [label, extra] of [
      ["2 replicas, no Redis", []],
      ["2 replicas + Redis", ["--redis", redis.url]],
    ]) {
      await configureUpstream(upstream, { delayMs: 0, cacheMode: "public" });
      const replicas = await Promise.all([startTrestle(upstream.url, extra), startTrestle(upstream.url, extra)]);
      try {
        await resetUpstream(upstream);
        // A deterministic pseudo-random walk over the working set, each read to a pseudo-random replica, `connections` at a time.
        const random = mulberry32(23);
        const plan = Array.from({ length: reads }, () => [Math.floor(random() * users) + 1, random() < 0.5 ? 0 : 1]);
        let next = 0;
        await Promise.all(
          Array.from({ length: connections }, async () => {
            while (next < reads) {
              const i = next++;
              const [id, replica] = plan[i];
              const response = await graphql(replicas[replica].url, `{ user(id: "${id}") { id name } }`);
              if (!response.ok) throw new Error(`HTTP ${response.status}`);
              await response.arrayBuffer();
            }
          }),
        );
        const stats = await readUpstreamStats(upstream);
        const totals = await cacheReads(replicas.map((replica) => replica.url));
        const { redisErrors, ...byResult } = totals;
        const all = Object.values(byResult).reduce((sum, n) => sum + n, 0);
        const hits = (totals.hit ?? 0) + (totals.coalesced ?? 0);
        rows.push(`| ${label} | ${reads} | ${users} | ${stats.total} | ${((100 * hits) / all).toFixed(1)} % | ${redisErrors} |`);
      } finally {
        await Promise.all(replicas.map((replica) => stopProcess(replica.handle)));
      }
    }
  } finally {
    redis.stop();
  }
  return [
    "| setup | reads | distinct users | upstream calls | cache hit rate (hit + coalesced) | Redis errors and timeouts |",
    "|---|---|---|---|---|---|",
    ...rows,
  ].join("\n");
}

/** A small seeded PRNG: the same walk on every run. */
function mulberry32(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const parts = values.parts.split(",");
const upstream = await startUpstream(benchDir);
try {
  const workers = parts.includes("workers") ? await measureWorkers(upstream) : "(workers not measured)";
  const replicas = parts.includes("replicas") ? await measureReplicas(upstream) : "(replicas not measured)";
  console.log(
    `## Scaling (${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${values.duration} s measured after ${values.warmup} s, ${connections} connections)\n\n${workers}\n\n${replicas}`,
  );
} finally {
  await stopProcess(upstream.handle);
}
