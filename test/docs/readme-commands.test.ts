import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

// The README's and docs' commands, run as a reader pastes them on a fresh clone.
//
// Markers (every fenced block in README.md and docs/*.md must have one; an unmarked block fails):
//   ```sh       runnable: this test runs each command, in order, and checks its output.
//   ```console  shown only: commands that need what a test cannot have (`npm ci`, the network, a
//               real service, another machine), usage synopses, and output.
//   ```text     diagrams and other text; ```ts, ```graphql, ```json… are code, never run here.
// In a ```sh block:
//   - each line is one command (a line ending in `\` continues on the next) run with bash, from
//     the copy's root at the start of each block (a `cd` holds until the block ends);
//   - whole-line comments right after a command are its documented output: each must match a
//     whole line of the command's output (stdout and stderr, trimmed), `…` matching anything.
//     A remark that is not output goes after the command on its own line (`cmd   # remark`);
//   - a command must exit 0.
// What the test does beside running the commands (the only differences from a fresh clone):
//   - the repository is copied (tracked and untracked files, no ignored ones) into a temp folder,
//     with the installed node_modules symlinked and dist/ copied: `npm ci` (which installs them
//     and builds dist/ through `prepare`) is never run, so `npm ci && X` runs X; `npm test`
//     is refused (mark it ```console);
//   - `trestle` and `npx trestle` run the copy's bin/trestle.js (a shim first on PATH: what
//     `npm install` links);
//   - ports: every port 4000–4099 a command names is replaced, consistently, by a free
//     ephemeral one; 4010, the demo upstream's, by the one the demo printed (it takes 4010 when
//     free);
//   - long-running commands (`npm start`, `trestle serve`, `node bin/trestle.js serve`) run in
//     the background with `--port 0` (replacing or added to theirs), their documented port
//     standing for the one their banner names, until their /readyz answers 200; the same command still running is not started twice, another one on the same
//     port replaces it (as a reader stops one server before starting the next). Every process
//     started is killed at the end.
// Blocks run in order: README.md first, then docs/*.md by file name. README_TIMING=1 prints
// each command's time.

const root = fileURLToPath(new URL("../../", import.meta.url));
const pages = [
  "README.md",
  ...readdirSync(join(root, "docs"))
    .filter((name) => name.endsWith(".md"))
    .sort()
    .map((name) => `docs/${name}`),
];

interface Command {
  page: string;
  line: number;
  text: string;
  expected: string[];
}

interface Block {
  page: string;
  line: number;
  marker: string;
  commands: Command[];
}

/** Every fenced block of a page, with its marker; ```sh blocks parsed into commands. */
function readBlocks(page: string, text: string): Block[] {
  const blocks: Block[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i]!);
    if (open === null) continue;
    const block: Block = { page, line: i + 1, marker: open[1]!, commands: [] };
    let pending = "";
    for (i++; i < lines.length && !lines[i]!.startsWith("```"); i++) {
      if (block.marker !== "sh") continue;
      const line = lines[i]!;
      if (pending === "" && /^\s*#/.test(line)) {
        block.commands.at(-1)?.expected.push(line.replace(/^\s*#\s?/, ""));
        continue;
      }
      if (pending === "" && line.trim() === "") continue;
      if (line.endsWith("\\")) {
        pending += `${line}\n`;
        continue;
      }
      block.commands.push({ page, line: i + 1, text: pending + line, expected: [] });
      pending = "";
    }
    blocks.push(block);
  }
  return blocks;
}

/** The command without a trailing `# remark` (a `#` outside quotes, after a space). */
function withoutRemark(command: string): string {
  let quote: string | undefined;
  for (let i = 0; i < command.length; i++) {
    const c = command[i]!;
    if (quote !== undefined) {
      if (c === "\\" && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === "#" && (i === 0 || /\s/.test(command[i - 1]!))) return command.slice(0, i).trimEnd();
  }
  return command.trimEnd();
}

/** A documented output line as a whole-line pattern, `…` matching anything. */
const patternOf = (expected: string) =>
  new RegExp(
    `^${expected
      .trim()
      .split("…")
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*")}$`,
  );

const longRunning = /^(?:npm start|trestle serve|node bin\/trestle\.js serve)\b/;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const allBlocks = pages.flatMap((page) => readBlocks(page, readFileSync(join(root, page), "utf8")));

describe("the README's and docs' commands", () => {
  it("every fenced block is marked: sh (runnable), console (shown), text, or a language", () => {
    const unmarked = allBlocks.filter((block) => block.marker === "").map((block) => `${block.page}:${block.line}`);
    expect(unmarked, "mark these blocks (see the top of test/docs/readme-commands.test.ts)").toEqual([]);
    expect(allBlocks.filter((block) => block.marker === "bash" || block.marker === "shell").map((b) => `${b.page}:${b.line}`)).toEqual([]);
    expect(allBlocks.filter((block) => block.marker === "sh").length).toBeGreaterThanOrEqual(5);
  });

  const copy = mkdtempSync(join(tmpdir(), "trestle-readme-"));
  const started: ChildProcess[] = [];
  afterAll(async () => {
    await Promise.all(started.map((child) => stop(child)));
    rmSync(copy, { recursive: true, force: true });
  });

  it("every ```sh block runs in a copy of the repository, each command with its documented output", async () => {
    prepareCopy(copy);
    const ports = new Map<number, number>();
    const servers = new Map<number, { child: ChildProcess; command: string }>();
    const portFor = async (documented: number) => {
      if (!ports.has(documented)) ports.set(documented, await freePort());
      return ports.get(documented)!;
    };
    const env: NodeJS.ProcessEnv = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !/^npm_|^INIT_CWD$|^DEMO_API_URL$|^VITEST|^NODE_OPTIONS$/.test(name)),
    );
    env["PATH"] = `${join(copy, ".readme-bin")}:${process.env["PATH"] ?? ""}`;
    env["NODE_ENV"] = "development";

    for (const block of allBlocks.filter((b) => b.marker === "sh")) {
      let cwd = copy;
      for (const command of block.commands) {
        const place = `${command.page}:${command.line}`;
        let text = withoutRemark(command.text).replace(/^npm ci && /, "");
        if (text === "npm ci") continue;
        expect(text, `${place}: npm test is never run here; mark its block \`\`\`console`).not.toMatch(/\bnpm (?:test|run test)\b/);
        text = text.replace(/\bnpx trestle\b/g, "trestle");
        const withPorts = (line: string) => line.replace(/\b(40\d\d)\b/g, (port) => String(ports.get(Number(port)) ?? port));

        if (longRunning.test(text)) {
          // A server listens on an ephemeral port it picks itself (--port 0; a port probed free
          // beforehand can be taken by another test file meanwhile) and the documented port
          // stands for the one its banner names.
          const documented = Number(/--port (\d+)/.exec(text)?.[1] ?? 4000);
          text = /--port \d+/.test(text)
            ? text.replace(/--port \d+/, "--port 0")
            : text.startsWith("npm start")
              ? `${text} -- --port 0`
              : `${text} --port 0`;
          text = withPorts(text);
          const running = servers.get(documented);
          if (running?.command === text && running.child.exitCode === null) continue;
          if (running !== undefined) await stop(running.child);
          const { child, output } = startInBackground(text, cwd, env);
          started.push(child);
          servers.set(documented, { child, command: text });
          const port = await listeningPort(child, output, place);
          ports.set(documented, port);
          await waitUntilReady(port, child, output, place);
          const demo = /demo upstream .* listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output())?.[1];
          if (demo !== undefined) ports.set(4010, Number(demo));
          const expected = command.expected.map(withPorts);
          // The banner may still be on its way through the pipe when /readyz answers.
          await until(() => expected.every((line) => linesOf(output()).some((actual) => patternOf(line).test(actual))), 5_000);
          checkOutput(output(), expected, place, text);
          continue;
        }
        // Documented ports of servers not started by the docs → ephemeral ones; the demo's 4010 → the port it printed.
        for (const [, port] of text.matchAll(/\b(40\d\d)\b/g)) if (Number(port) !== 4010) await portFor(Number(port));
        text = withPorts(text);
        const t0 = Date.now();
        const ran = await runToEnd(text, cwd, env);
        if (process.env["README_TIMING"]) console.log(`${Date.now() - t0} ms ${place} ${text.slice(0, 60)}`);
        expect(ran.code, `${place}: \`${text}\` exited ${ran.code}:\n${ran.output}`).toBe(0);
        cwd = ran.cwd;
        checkOutput(ran.output, command.expected.map(withPorts), place, text);
      }
    }
  }, 90_000);
});

/** The repository as a fresh clone would have it, plus what `npm ci` adds (node_modules, dist/). */
function prepareCopy(copy: string): void {
  const files = execFileSync("git", ["ls-files", "-co", "--exclude-standard", "-z"], { cwd: root, encoding: "utf8" })
    .split("\0")
    .filter((file) => file !== "" && existsSync(join(root, file)));
  for (const file of files) {
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    cpSync(join(root, file), join(copy, file));
  }
  expect(existsSync(join(root, "dist/cli/main.js")), "dist/ is built by `npm run build` (npm test builds it first)").toBe(true);
  cpSync(join(root, "dist"), join(copy, "dist"), { recursive: true });
  symlinkSync(join(root, "node_modules"), join(copy, "node_modules"));
  mkdirSync(join(copy, ".readme-bin"));
  writeFileSync(join(copy, ".readme-bin", "trestle"), `#!/bin/sh\nexec node "${join(copy, "bin/trestle.js")}" "$@"\n`, { mode: 0o755 });
}

const linesOf = (output: string) =>
  output
    .replace(/\x1b\[[0-9;]*m/g, "")
    .split(/\r?\n/)
    .map((line) => line.trim());

async function until(done: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
}

function checkOutput(output: string, expected: readonly string[], place: string, command: string): void {
  const lines = linesOf(output);
  for (const line of expected) {
    expect(
      lines.some((actual) => patternOf(line).test(actual)),
      `${place}: \`${command}\` should print a line like "${line}"; it printed:\n${output}`,
    ).toBe(true);
  }
}

function runToEnd(command: string, cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string; cwd: string }> {
  const cwdFile = join(tmpdir(), `trestle-readme-cwd-${process.pid}-${Math.random().toString(36).slice(2)}`);
  return new Promise((resolve) => {
    const child = spawn("bash", ["-c", `${command}\n__rc=$?; pwd > '${cwdFile}'; exit $__rc`], {
      cwd,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.once("close", (code) => {
      clearTimeout(timer);
      const next = existsSync(cwdFile) ? readFileSync(cwdFile, "utf8").trim() : cwd;
      rmSync(cwdFile, { force: true });
      resolve({ code, output, cwd: next });
    });
  });
}

function startInBackground(command: string, cwd: string, env: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string } {
  // Its own process group, so that stopping it stops npm and the node process npm started.
  const child = spawn("bash", ["-c", `exec ${command}`], { cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return { child, output: () => output };
}

/** The port a server started with --port 0 names in its banner ("… at http://127.0.0.1:PORT/…"). */
async function listeningPort(child: ChildProcess, output: () => string, place: string): Promise<number> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const port = /\bat http:\/\/127\.0\.0\.1:(\d+)\//.exec(output())?.[1];
    if (port !== undefined) return Number(port);
    expect(child.exitCode, `${place}: exited before it was listening:\n${output()}`).toBeNull();
    expect(Date.now() < deadline, `${place}: no banner naming its port within 30 s:\n${output()}`).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function waitUntilReady(port: number, child: ChildProcess, output: () => string, place: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    expect(child.exitCode, `${place}: exited before it was ready:\n${output()}`).toBeNull();
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2_000) }).then(
      (response) => response.status === 200,
      () => false,
    );
    if (ready) return;
    expect(Date.now() < deadline, `${place}: /readyz on port ${port} did not answer 200 within 30 s:\n${output()}`).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  try {
    process.kill(-child.pid, "SIGTERM");
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // already gone
    }
  }, 5_000);
  await exited;
  clearTimeout(timer);
}
