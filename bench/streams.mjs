#!/usr/bin/env node
// Streaming subscriptions through Trestle (issue 18). Not part of `npm test`.
//
// (a) Time to first token: the same OpenAI-style SSE upstream (first token written at once) read
//     straight (POST, first `data:`), through Trestle over GraphQL over SSE (first `event: next`)
//     and over GraphQL over WebSocket (graphql-ws client, one socket; first `next`), many
//     sequential subscriptions, the three interleaved; p50 / p99 and the overhead over direct.
// (b) Many open streams on one Trestle instance: N subscriptions held open while the upstream
//     sends a token every --tick ms; Trestle's RSS (its own process, /proc and process.memoryUsage
//     over IPC) and CPU per event delivered (process.cpuUsage of Trestle ÷ payloads received).
//
//   npm run bench:streams                          (in bench/) writes results/streams-<date>.md
//   node streams.mjs --iterations 500 --streams 1000 --batch 100 --hold 10 --tick 1000 --transports sse,ws
//   node streams.mjs --trestle /path/to/trestle    a checkout whose dist/ is built
import { execFileSync, fork, spawn } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { readTreeRss } from "./lib/processes.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const options = parseOptions(process.argv.slice(2));
const children = new Set();
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => {
    for (const child of children) child.kill("SIGKILL");
    process.exit(130);
  });
}

const generate = `subscription ($p: String!, $n: Int, $ms: Int) { generate(model: "m1", prompt: $p, tokens: $n, intervalMs: $ms) { content } }`;
const MB = 1024 * 1024;

await main();

async function main() {
  const trestleDir = resolve(here, options.trestle);
  if (!existsSync(join(trestleDir, "dist", "index.js"))) throw new Error(`no ${trestleDir}/dist/index.js: run npm run build there first`);
  const upstream = await startUpstream();
  const lines = [];
  const log = (line = "") => {
    console.log(line);
    lines.push(line);
  };
  try {
    const commit = (() => {
      try {
        return execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: trestleDir, encoding: "utf8" }).trim();
      } catch {
        return "unknown commit";
      }
    })();
    log(`## Run of ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, ${commit}`);
    log();
    log(
      `Load average when it started: ${loadavg()
        .map((n) => n.toFixed(1))
        .join(", ")}.`,
    );
    log(
      `Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 1024 ** 3)} GiB; upstream, Trestle and`,
    );
    log("clients share the machine. Trestle from `dist/` (`createTrestle`, `logging: false`) in its own process,");
    log(
      `\`@upstream(maxStreams: ${options.maxStreams})\`, \`limits.maxSubscriptions: ${options.maxSubscriptions}\`; the upstream's first token is written with its headers.`,
    );
    log();

    const trestle = await startTrestle(trestleDir, upstream.url);
    const { samples: firstToken, connections } = await measureFirstToken(upstream.url, trestle.port);
    await trestle.stop();
    log(
      `### (a) Time to first token, ${options.iterations} sequential subscriptions per path (after ${options.warmup} warm-up), interleaved`,
    );
    log();
    log("| path | p50 ms | p99 ms | mean ms | p50 over direct | p99 over direct |");
    log("|---|---:|---:|---:|---:|---:|");
    const direct = firstToken.get("direct");
    for (const [name, samples] of firstToken) {
      const row = summarize(samples);
      const over = (key) => (name === "direct" ? "—" : `+${(row[key] - summarize(direct)[key]).toFixed(2)} ms`);
      log(`| ${label(name)} | ${row.p50.toFixed(2)} | ${row.p99.toFixed(2)} | ${row.mean.toFixed(2)} | ${over("p50")} | ${over("p99")} |`);
    }
    log();
    log(
      `Upstream TCP connections opened per 100 subscriptions: ${[...connections].map(([name, count]) => `${name} ${count}`).join(", ")} ` +
        "(direct: the benchmark's own fetch; otherwise Trestle's stream pool).",
    );
    log();

    log(`### (b) ${options.streams} concurrent open streams on one instance, a token every ${options.tick} ms, ${options.hold} s measured`);
    log();
    log(
      "| transport | idle RSS (heap) | peak RSS, streams open | after a full GC, streams open: RSS (heap) | retained per stream | payloads/s | CPU per payload | upstream streams open |",
    );
    log("|---|---:|---:|---:|---:|---:|---:|---:|");
    for (const transport of options.transports) {
      const held = await measureOpenStreams(trestleDir, upstream, transport);
      const mb = (bytes) => `${(bytes / MB).toFixed(0)} MB`;
      log(
        `| ${label(transport)} | ${mb(held.idleRss)} (${mb(held.idleHeap)}) | ${mb(held.peakRss)} | ${mb(held.retainedRss)} (${mb(held.retainedHeap)}) | ` +
          `${((held.retainedRss - held.idleRss) / options.streams / 1024).toFixed(0)} KiB | ${held.rate.toFixed(0)} | ${held.cpuPerEvent.toFixed(0)} µs | ${held.upstreamOpen} |`,
      );
    }
    log();
    log("Targets (issue 18): first-token overhead ≤ 2 ms p50 over direct; 1,000 streams < 300 MB RSS.");
  } finally {
    upstream.stop();
  }
  if (options.write) {
    mkdirSync(join(here, "results"), { recursive: true });
    // One file a day; each run is appended under its own heading.
    const file = join(here, "results", `streams-${new Date().toISOString().slice(0, 10)}.md`);
    if (!existsSync(file))
      writeFileSync(file, `# Streams benchmark (\`npm run bench:streams\`), ${new Date().toISOString().slice(0, 10)}\n`);
    appendFileSync(file, `\n${lines.join("\n")}\n`);
    console.log(`\nwrote ${file}`);
  }
}

function label(name) {
  return { direct: "direct to the upstream (SSE)", sse: "Trestle, GraphQL over SSE", ws: "Trestle, GraphQL over WebSocket" }[name];
}

/** (a): one subscription at a time, the paths in rotating order; milliseconds to the first token. */
async function measureFirstToken(upstreamUrl, port) {
  const ws = createClient({ url: `ws://127.0.0.1:${port}/graphql`, webSocketImpl: WebSocket, lazy: false, retryAttempts: 0 });
  const paths = {
    direct: () => firstDirect(upstreamUrl),
    sse: () => firstOverSse(port),
    ...(options.transports.includes("ws") ? { ws: () => firstOverWs(ws) } : {}),
  };
  const names = Object.keys(paths);
  const samples = new Map(names.map((name) => [name, []]));
  // Upstream TCP connections each path opens per 100 subscriptions (after one to warm up).
  const connections = new Map();
  const opened = async () => (await (await fetch(`${upstreamUrl}/__stats`)).json()).connections;
  for (const name of names) {
    await paths[name]();
    const before = await opened();
    for (let i = 0; i < 100; i++) await paths[name]();
    connections.set(name, (await opened()) - before);
  }
  for (let i = 0; i < options.warmup + options.iterations; i++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(i + k) % names.length];
      const ms = await paths[name]();
      if (i >= options.warmup) samples.get(name).push(ms);
    }
  }
  await ws.dispose();
  return { samples, connections };
}

async function firstDirect(upstreamUrl) {
  const started = performance.now();
  const response = await fetch(`${upstreamUrl}/models/m1/generate`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "text/event-stream" },
    body: JSON.stringify({ prompt: "hi", tokens: 1, stream: true }),
  });
  return readUntil(response, started, (text) => /^data: \{.*\n\n/m.test(text));
}

async function firstOverSse(port) {
  const started = performance.now();
  const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "text/event-stream" },
    body: JSON.stringify({ query: generate, variables: { p: "hi", n: 1, ms: 0 } }),
  });
  return readUntil(response, started, (text) => /event: next\ndata: .*\n\n/.test(text));
}

/** Reads until `seen(text)`: the time it took; then the rest, to the end. */
async function readUntil(response, started, seen) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let at;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    if (at === undefined && seen(text)) at = performance.now() - started;
  }
  if (at === undefined) throw new Error(`no token in: ${text.slice(0, 300)}`);
  return at;
}

function firstOverWs(client) {
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    let at;
    client.subscribe(
      { query: generate, variables: { p: "hi", n: 1, ms: 0 } },
      {
        next: (result) => {
          if (result.errors) reject(new Error(JSON.stringify(result.errors)));
          at ??= performance.now() - started;
        },
        error: reject,
        complete: () => (at === undefined ? reject(new Error("completed without a token")) : resolvePromise(at)),
      },
    );
  });
}

/** (b): a fresh Trestle, N subscriptions held open, RSS and CPU while tokens flow. */
async function measureOpenStreams(trestleDir, upstream, transport) {
  const trestle = await startTrestle(trestleDir, upstream.url);
  await sleep(500);
  const idle = await trestle.stats("stats-gc");
  let events = 0;
  let opened = 0;
  const variables = { p: "hold", n: 1_000_000_000, ms: options.tick };
  const closers = [];
  // Opened in batches (each waits for the previous one's first payloads), as clients arrive over
  // a few seconds rather than in one instant.
  let failed;
  const waitFirst = (count) => until(() => failed !== undefined || opened >= count);
  const onFirst = () => (opened += 1);
  const onEvent = () => (events += 1);
  const fail = (error) => (failed ??= error);
  const allOpen = (async () => {
    if (transport === "sse") {
      for (let i = 0; i < options.streams; i++) {
        closers.push(holdOverSse(trestle.port, variables, onFirst, onEvent, fail));
        if ((i + 1) % options.batch === 0) await waitFirst(i + 1);
      }
    } else {
      const perSocket = 100;
      for (let socket = 0; socket * perSocket < options.streams; socket++) {
        const client = createClient({
          url: `ws://127.0.0.1:${trestle.port}/graphql`,
          webSocketImpl: WebSocket,
          lazy: false,
          retryAttempts: 0,
        });
        closers.push(() => client.dispose());
        const count = Math.min(perSocket, options.streams - socket * perSocket);
        for (let i = 0; i < count; i++) {
          let first = true;
          client.subscribe(
            { query: generate, variables },
            {
              next: (result) => {
                if (result.errors) return fail(new Error(JSON.stringify(result.errors)));
                onEvent();
                if (first) ((first = false), onFirst());
              },
              error: fail,
              complete: () => undefined,
            },
          );
          if ((socket * perSocket + i + 1) % options.batch === 0) await waitFirst(socket * perSocket + i + 1);
        }
      }
    }
    await waitFirst(options.streams);
    if (failed !== undefined) throw failed;
  })();
  // Progress on stderr while they open: how many have a first payload, how many reached the upstream.
  const progress = setInterval(async () => {
    const open = (await (await fetch(`${upstream.url}/__stats`)).json()).open;
    console.error(`  ${transport}: ${opened} of ${options.streams} subscriptions have a payload; ${open} upstream streams open`);
  }, 5000);
  await allOpen.finally(() => clearInterval(progress));
  const before = await trestle.stats();
  const eventsBefore = events;
  let peakRss = Math.max(before.rss, readTreeRss(trestle.pid));
  const startedAt = performance.now();
  while (performance.now() - startedAt < options.hold * 1000) {
    await sleep(250);
    peakRss = Math.max(peakRss, readTreeRss(trestle.pid));
  }
  const after = await trestle.stats();
  const seconds = (performance.now() - startedAt) / 1000;
  const retained = await trestle.stats("stats-gc");
  const delivered = events - eventsBefore;
  const cpu = after.cpu.user + after.cpu.system - (before.cpu.user + before.cpu.system);
  const upstreamOpen = (await (await fetch(`${upstream.url}/__stats`)).json()).open;
  peakRss = Math.max(peakRss, after.rss);
  for (const close of closers) await close();
  // Every upstream stream ends once its subscriber has gone.
  for (let waited = 0; (await (await fetch(`${upstream.url}/__stats`)).json()).open > 0 && waited < 20_000; waited += 100) await sleep(100);
  await trestle.stop();
  return {
    idleRss: idle.rss,
    idleHeap: idle.heapUsed,
    peakRss,
    retainedRss: retained.rss,
    retainedHeap: retained.heapUsed,
    rate: delivered / seconds,
    cpuPerEvent: cpu / delivered,
    upstreamOpen,
  };
}

/** Resolves once `check()` holds, looking every 20 ms. */
async function until(check) {
  while (!check()) await sleep(20);
}

/** One subscription over GraphQL over SSE, held open; counts `next` events; returns its closer. */
function holdOverSse(port, variables, onFirst, onEvent, fail) {
  const controller = new AbortController();
  (async () => {
    const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify({ query: generate, variables }),
      signal: controller.signal,
    });
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    let first = true;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const message = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (!message.startsWith("event: next")) continue;
        if (message.includes('"errors"')) throw new Error(message);
        onEvent();
        if (first) ((first = false), onFirst());
      }
    }
  })().catch((error) => {
    if (!controller.signal.aborted) fail(error);
  });
  return () => controller.abort();
}

async function startUpstream() {
  const child = spawn(process.execPath, [join(here, "upstream", "stream-server.mjs")], {
    env: { ...process.env, PORT: "0" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.add(child);
  const port = await new Promise((resolvePort, reject) => {
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const match = /PORT (\d+)/.exec(out);
      if (match) resolvePort(Number(match[1]));
    });
    child.once("exit", (code) => reject(new Error(`stream upstream exited ${code}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () => {
      child.kill("SIGTERM");
      children.delete(child);
    },
  };
}

async function startTrestle(trestleDir, upstreamUrl) {
  const child = fork(join(here, "lib", "streams-trestle.mjs"), [], {
    env: {
      ...process.env,
      NODE_ENV: "production",
      TRESTLE_DIR: trestleDir,
      UPSTREAM_URL: upstreamUrl,
      MAX_STREAMS: String(options.maxStreams),
      MAX_SUBSCRIPTIONS: String(options.maxSubscriptions),
    },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    execArgv: ["--expose-gc"],
  });
  children.add(child);
  const port = await new Promise((resolvePort, reject) => {
    child.on("message", (message) => message.ready && resolvePort(message.port));
    child.once("exit", (code) => reject(new Error(`Trestle exited ${code}`)));
  });
  const stats = (kind = "stats") =>
    new Promise((resolveStats) => {
      const onMessage = (message) => {
        if (message.stats === undefined) return;
        child.off("message", onMessage);
        resolveStats(message.stats);
      };
      child.on("message", onMessage);
      child.send(kind);
    });
  return {
    port,
    pid: child.pid,
    stats,
    stop: async () => {
      const exited = new Promise((resolveExit) => child.once("exit", resolveExit));
      child.kill("SIGTERM");
      await exited;
      children.delete(child);
    },
  };
}

function summarize(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (q) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
  return { p50: rank(0.5), p99: rank(0.99), mean: sorted.reduce((sum, x) => sum + x, 0) / sorted.length };
}

function parseOptions(argv) {
  const options = {
    iterations: 500,
    warmup: 50,
    streams: 1000,
    hold: 10,
    tick: 1000,
    batch: 100,
    maxStreams: 1100,
    maxSubscriptions: 1100,
    transports: ["sse", "ws"],
    trestle: "..",
    write: true,
  };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i].replace(/^--/, "");
    if (key === "no-write") options.write = false;
    else if (key === "transports") options.transports = argv[++i].split(",");
    else if (key === "trestle") options.trestle = argv[++i];
    else if (key in options) options[key] = Number(argv[++i]);
    else throw new Error(`unknown option --${key}`);
  }
  return options;
}
