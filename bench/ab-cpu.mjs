#!/usr/bin/env node
// CPU per request of two Trestle builds, side by side in one run, for a noisy shared machine:
// both servers run at once on the bench schema; short bursts of the same scenario alternate
// between them (A, B, B, A, ...), and each burst reads the server's CPU time (/proc/PID/stat,
// user + system) before and after, so both see the same noise. Prints µs CPU per request of
// each, per burst pair and as medians, and B ÷ A.
//
//   node ab-cpu.mjs --scenario single --otlp b       the same build, B with OTLP traces sent to a receiver here
//   node ab-cpu.mjs --env-b "OTEL_TRACES_SAMPLER=traceidratio OTEL_TRACES_SAMPLER_ARG=0.1" --otlp b
//   node ab-cpu.mjs --a /work/wt/perfbase --b .. --scenario predict --requests 2000 --pairs 8 --concurrency 8 [--get]
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildRequest, configureUpstream, send, startUpstream, waitUntilAnswering } from "./lib/harness.mjs";
import { getFreePort, killAllSpawned, readTreeCpuMicros, spawnSystem, stopProcess } from "./lib/processes.mjs";
import { startOtlpReceiver } from "./lib/otlp-receiver.mjs";
import { median } from "./lib/report.mjs";
import { scenarios } from "./lib/scenarios.mjs";
import { systems } from "./lib/systems.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const value = (name, fallback) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : fallback);
const builds = { a: resolve(here, value("a", "..")), b: resolve(here, value("b", "..")) };
const scenario = scenarios.find((s) => s.id === value("scenario", "predict"));
const requests = Number(value("requests", 2000));
const pairs = Number(value("pairs", 8));
const concurrency = Number(value("concurrency", 8));
/** `--env-a "K=V K2=V2"`: variables for one side's server. */
const envOf = (side) =>
  Object.fromEntries(
    value(`env-${side}`, "")
      .split(" ")
      .filter((pair) => pair.includes("="))
      .map((pair) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)]),
  );
const otlpSides = value("otlp", "");
// `--get`: the scenario's GraphQL POST sent as a query over GET (/graphql?query=…&variables=…).
const get = argv.includes("--get");
const asGet = (req) => {
  if (!get || req.method !== "POST" || !req.url.endsWith("/graphql")) return req;
  const { query, variables } = JSON.parse(req.body);
  const params = new URLSearchParams({ query, ...(variables && { variables: JSON.stringify(variables) }) });
  return { url: `${req.url}?${params}`, method: "GET", headers: { accept: req.headers.accept } };
};
if (scenario === undefined) throw new Error(`unknown scenario (scenarios: ${scenarios.map((s) => s.id).join(", ")})`);
process.once("SIGINT", () => {
  killAllSpawned();
  process.exit(130);
});

const upstream = await startUpstream(here);
const receiver = otlpSides === "" ? undefined : await startOtlpReceiver();
await configureUpstream(upstream, scenario.upstream);
const servers = {};
try {
  for (const [name, dir] of Object.entries(builds)) {
    const port = await getFreePort();
    const target = `http://127.0.0.1:${port}`;
    const handle = spawnSystem(
      systems.trestle,
      { port, trestleDir: dir, upstreamUrl: upstream.url, scenario },
      {
        cwd: here,
        env: {
          PORT: String(port),
          UPSTREAM_URL: upstream.url,
          NODE_ENV: "production",
          ...(receiver !== undefined && otlpSides.includes(name)
            ? { OTEL_TRACES_EXPORTER: "otlp", OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_TRACES_SAMPLER: "always_on" }
            : { OTEL_SDK_DISABLED: "true" }),
          ...envOf(name),
        },
      },
    );
    const ready = await waitUntilAnswering(systems.trestle, target, handle);
    if (!ready.ok) throw new Error(`${name} (${dir}) did not start: ${ready.reason}`);
    const req = asGet(buildRequest(scenario, systems.trestle, target));
    const first = await send(req);
    if (first.status !== 200 || first.text.includes('"errors"'))
      throw new Error(`${name} answered ${first.status}: ${first.text.slice(0, 200)}`);
    servers[name] = { handle, req, expected: first.text };
  }
  const burst = async (name, count) => {
    const { handle, req, expected } = servers[name];
    let next = 0;
    let wrong = 0;
    const before = readTreeCpuMicros(handle.pid);
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next++ < count) {
          const answer = await fetch(req.url, { method: req.method, headers: req.headers, body: req.body });
          if ((await answer.text()) !== expected) wrong++;
        }
      }),
    );
    if (wrong > 0) throw new Error(`${name}: ${wrong} wrong answers`);
    return (readTreeCpuMicros(handle.pid) - before) / count;
  };
  await burst("a", requests);
  await burst("b", requests); // warm-up, not counted
  const rows = [];
  for (let pair = 0; pair < pairs; pair++) {
    const order = pair % 2 === 0 ? ["a", "b"] : ["b", "a"];
    const row = {};
    for (const name of order) row[name] = await burst(name, requests);
    rows.push(row);
    console.log(`pair ${pair + 1}: A ${row.a.toFixed(0)} µs/req, B ${row.b.toFixed(0)} µs/req, B ÷ A ${(row.b / row.a).toFixed(3)}`);
  }
  const a = median(rows.map((r) => r.a));
  const b = median(rows.map((r) => r.b));
  const ratio = median(rows.map((r) => r.b / r.a));
  console.log(
    `${scenario.id}, ${requests} requests × ${pairs} pairs, ${concurrency} concurrent: A ${builds.a} ${a.toFixed(0)} µs/req, ` +
      `B ${builds.b} ${b.toFixed(0)} µs/req; B ÷ A per pair, median ${ratio.toFixed(3)}` +
      (receiver === undefined ? "" : `; ${receiver.spans} spans exported to the OTLP receiver`),
  );
} finally {
  for (const server of Object.values(servers)) await stopProcess(server.handle);
  await stopProcess(upstream.handle);
  receiver?.close();
}
