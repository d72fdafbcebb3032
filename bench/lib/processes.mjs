// Starting, watching and stopping the processes of one benchmark run: free ports, ready
// lines, resident memory from /proc, and a clean stop (SIGTERM, then SIGKILL) by pid.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";

/** A port the kernel just handed out on 127.0.0.1 (free at the time of asking). */
export function getFreePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const live = new Set();

/** Kills every process spawnNode started that is still running (on Ctrl-C, or a crash). */
export function killAllSpawned() {
  for (const child of live) child.kill("SIGKILL");
}

/** Spawns `node args...`; output is kept (the last 64 KiB) for error reports. */
export function spawnNode(args, { cwd, env }) {
  return spawnProcess(process.execPath, args, { cwd, env });
}

/** Spawns `file args...` (a native binary such as Tailcall's); output kept as for spawnNode. */
export function spawnProcess(file, args, { cwd, env }) {
  const child = spawn(file, args, { cwd, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  live.add(child);
  child.once("exit", () => live.delete(child));
  let output = "";
  const keep = (chunk) => {
    output = (output + chunk.toString()).slice(-65536);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  return { child, pid: child.pid, exited, output: () => output };
}

/** Starts a system of lib/systems.mjs: `node` with its command, or its own launch (a native binary). */
export function spawnSystem(system, context, { cwd, env }) {
  if (system.launch === undefined) return spawnNode(system.command(context), { cwd, env });
  const launch = system.launch(context);
  return spawnProcess(launch.file, launch.args, { cwd, env: { ...env, ...launch.env } });
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function stopProcess(handle, graceMs = 5000) {
  if (handle.child.exitCode !== null || handle.child.signalCode !== null) return handle.exited;
  handle.child.kill("SIGTERM");
  const timer = setTimeout(() => handle.child.kill("SIGKILL"), graceMs);
  const result = await handle.exited;
  clearTimeout(timer);
  return result;
}

/** Resident set size in bytes of a process and all its descendants (Linux /proc). */
export function readTreeRss(pid) {
  let total = 0;
  for (const each of [pid, ...descendantsOf(pid)]) total += readRss(each);
  return total;
}

/** Clock ticks per second of /proc/PID/stat's utime and stime (USER_HZ: 100 on Linux). */
const ticksPerSecond = 100;

/**
 * CPU time in µs (user + system, every thread) of a process and its live descendants, from
 * /proc/PID/stat: utime and stime count all of a process's threads; a forked worker is read
 * through its own entry (cutime/cstime would only count children already reaped). Resolution
 * 10 ms: read it around a run of thousands of requests, not around one.
 */
export function readTreeCpuMicros(pid) {
  let ticks = 0;
  for (const each of [pid, ...descendantsOf(pid)]) ticks += readCpuTicks(each);
  return (ticks * 1e6) / ticksPerSecond;
}

function readCpuTicks(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Field 2 (comm) is in parentheses and may hold spaces: count fields after its last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[11]) + Number(fields[12]); // utime (field 14), stime (field 15)
  } catch {
    return 0;
  }
}

function readRss(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const match = /^VmRSS:\s+(\d+) kB/m.exec(status);
    return match === null ? 0 : Number(match[1]) * 1024;
  } catch {
    return 0;
  }
}

function descendantsOf(pid) {
  const found = [];
  let tasks = [];
  try {
    tasks = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return found;
  }
  for (const child of tasks) found.push(child, ...descendantsOf(child));
  return found;
}

/** Samples readTreeRss every `intervalMs` until stopped; `stop()` returns the peak in bytes. */
export function sampleRss(pid, intervalMs = 100) {
  let peak = readTreeRss(pid);
  const timer = setInterval(() => {
    peak = Math.max(peak, readTreeRss(pid));
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, readTreeRss(pid));
    },
  };
}

/** Runs `node lib/load-worker.mjs <options>` and returns its parsed JSON summary. */
export function runLoadWorker(workerPath, options) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [workerPath, JSON.stringify(options)], { stdio: ["ignore", "pipe", "pipe"] });
    live.add(child);
    child.once("exit", () => live.delete(child));
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.once("exit", (code) => {
      if (code !== 0) return reject(new Error(`load worker exited ${code}: ${stderr.slice(-2000)}`));
      try {
        resolve(JSON.parse(stdout.trim().split("\n").pop()));
      } catch (error) {
        reject(new Error(`load worker printed no JSON: ${stdout.slice(-500)} ${stderr.slice(-500)}`));
      }
    });
  });
}

/** The most telling line of a process's output: the last one naming an error, else the last one. */
export function summarizeOutput(output) {
  const lines = output
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean);
  const error = [...lines].reverse().find((line) => /error|cannot|failed|EADDRINUSE/i.test(line));
  return (error ?? lines.at(-1) ?? "(no output)").slice(0, 300);
}
