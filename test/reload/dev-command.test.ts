import { spawn } from "node:child_process";
import { mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import type { CliIo } from "../../src/cli/cli-io.js";
import { until } from "../helpers/gate.js";
import { sendJson, startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";

// `trestle dev` as a user runs it (a child process of bin/trestle.js): the schema file rewritten
// 20 times, good and broken in turn, while clients query without pause on three connections.

let dir: string;
let file: string;
let upstream: TestUpstream;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "trestle-dev-"));
  file = join(dir, "schema.graphql");
  upstream = await startTestUpstream((req, res) => sendJson(res, 200, { name: `answer of ${req.url}` }));
});
afterAll(async () => {
  await upstream.close();
  await rm(dir, { recursive: true, force: true });
});

/** Version n: `ping` in every version, `v<n>` only in version n. */
const good = (n: number) => `extend schema @upstream(name: "api", baseUrl: "${upstream.url}")
type Thing { name: String }
type Query {
  ping: Thing @rest(path: "/ping")
  v${n}: Thing @rest(path: "/v/${n}")
}
`;
/** Broken version n: an unknown type at line 5, column 7, named after n. */
const broken = (n: number) => good(n).replace(`v${n}: Thing`, `v${n}: Broken${n}`);
const brokenLine = (n: number) => `${file}:5:${3 + `v${n}: `.length}: Unknown type "Broken${n}".`;

describe("#25 reload: trestle dev", () => {
  it("DV13: 20 rewrites, good and broken in turn, under a steady stream of queries: none fails, each good version is served after its write, each broken one is reported with file:line:col", async () => {
    await writeFile(file, good(0));
    const child = spawn(process.execPath, ["bin/trestle.js", "dev", "--schema", dir, "--port", "0"], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    const dispatcher = new Agent({ connections: 3 });
    let stop = false;
    const failures: string[] = [];
    let answered = 0;
    try {
      await until(() => stdout.includes("trestle dev: watching"), "trestle dev to start", 30_000);
      expect(stdout).toContain("trestle dev: debug on");
      const url = /at (http:\/\/\S+\/graphql)/.exec(stdout)![1]!;
      const ask = async (document: string) => {
        const response = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ query: document }),
          dispatcher,
        } as RequestInit);
        return { status: response.status, body: (await response.json()) as { data?: Record<string, unknown>; errors?: unknown[] } };
      };
      // Three clients querying `ping` without pause, each on a kept-alive connection.
      const clients = [1, 2, 3].map(async () => {
        while (!stop) {
          const answer = await ask("{ ping { name } }").catch((error: unknown) => ({ status: 0, body: { errors: [String(error)] } }));
          if (answer.status !== 200 || answer.body.errors !== undefined) failures.push(JSON.stringify(answer));
          answered++;
        }
      });
      const serves = async (n: number) => {
        const answer = await ask(`{ v${n} { name } }`);
        return answer.status === 200 && JSON.stringify(answer.body.data) === JSON.stringify({ [`v${n}`]: { name: `answer of /v/${n}` } });
      };
      expect(await serves(0)).toBe(true);
      for (let n = 1; n <= 20; n++) {
        const before = answered;
        if (n % 2 === 1) {
          await writeFile(file, broken(n));
          await until(() => stderr.includes(brokenLine(n)), `the diagnostic of broken version ${n}`, 20_000);
          // The last good version still serves.
          expect(await serves(n - 1)).toBe(true);
        } else if (n % 4 === 0) {
          // As editors save: a new file renamed over the old one.
          await writeFile(`${file}.tmp`, good(n));
          await rename(`${file}.tmp`, file);
          await until(() => serves(n), `version ${n} to be served`, 20_000);
        } else {
          await writeFile(file, good(n));
          await until(() => serves(n), `version ${n} to be served`, 20_000);
        }
        await until(() => answered > before + 3, "the clients to go on", 20_000);
      }
      stop = true;
      await Promise.all(clients);
      expect(failures).toEqual([]);
      expect(answered).toBeGreaterThan(60);
      expect(stdout).toMatch(/reloaded \(\d+ types?, \d+ fields?\) in \d+ ms/);
      expect(stderr).toContain("still serving the last good schema");
      child.kill("SIGINT");
      expect(await exited).toBe(0);
      expect(stdout).toContain("trestle: stopped");
    } catch (error) {
      // What trestle dev printed, to see which step went wrong.
      throw new Error(`${String(error)}\n--- stdout:\n${stdout.slice(-2000)}\n--- stderr:\n${stderr.slice(-2000)}`);
    } finally {
      stop = true;
      child.kill("SIGKILL");
      await dispatcher.close();
    }
  }, 120_000);

  it("DV14: trestle dev --help shows its usage; --workers is refused with the reason", async () => {
    const out: string[] = [];
    const io: CliIo = { stdout: (t) => out.push(t), stderr: (t) => out.push(t), cwd: process.cwd(), env: {} };
    expect(await main(["dev", "--help"], io)).toBe(0);
    expect(out.join("\n")).toContain("Usage: trestle dev [--schema DIR]");
    out.length = 0;
    expect(await main(["dev", "--workers", "2"], io)).toBe(1);
    expect(out.join("\n")).toContain("trestle dev: --workers is not supported");
    out.length = 0;
    expect(await main(["--help"], io)).toBe(0);
    expect(out.join("\n")).toContain("dev [--schema DIR] [--operations DIR] [--demo]");
  });
});
