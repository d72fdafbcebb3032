import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import type { CliIo } from "../../src/cli/cli-io.js";
import { until } from "../helpers/gate.js";

// Issue 17: a `{parent.X}` naming a field whose upstream key differs is a warning, printed by
// `trestle check` (exit 0) and by `trestle serve` when it starts (it serves all the same).

const sdl = `extend schema @upstream(name: "ml", baseUrl: "http://127.0.0.1:1", naming: SNAKE_CASE)
type Query { model(name: String!): Model @rest(path: "/models/{args.name}") }
type Model { name: String ownerId: ID owner: User @rest(path: "/users/{parent.ownerId}") }
type User { id: ID }
`;

let dir: string;
let file: string;
const warning = () =>
  `${file}:3:71: warning: {parent.ownerId} reads the upstream key "ownerId", but field Model.ownerId reads "owner_id" (naming: SNAKE_CASE); write {parent.owner_id}`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "trestle-warn-"));
  file = join(dir, "api.graphql");
  await writeFile(file, sdl);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("schema warnings on the command line", () => {
  it("`trestle check` prints the warning with its place, counts it, and exits 0", async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIo = { stdout: (t) => out.push(t), stderr: (t) => err.push(t), cwd: process.cwd(), env: {} };
    expect(await main(["check", "--schema", dir], io)).toBe(0);
    expect(out).toEqual([warning(), "1 file checked: 0 errors, 1 warning"]);
    expect(err).toEqual([]);
  });

  it("`trestle check` with the key fixed prints nothing but the summary", async () => {
    const fixed = await mkdtemp(join(tmpdir(), "trestle-warn-"));
    await writeFile(join(fixed, "api.graphql"), sdl.replace("{parent.ownerId}", "{parent.owner_id}"));
    const out: string[] = [];
    const io: CliIo = { stdout: (t) => out.push(t), stderr: (t) => out.push(t), cwd: process.cwd(), env: {} };
    expect(await main(["check", "--schema", fixed], io)).toBe(0);
    expect(out).toEqual(["1 file checked: 0 errors, 0 warnings"]);
    await rm(fixed, { recursive: true, force: true });
  });

  it("`trestle serve` prints it when it starts, then serves", async () => {
    const child = spawn(process.execPath, ["bin/trestle.js", "serve", "--schema", dir, "--port", "0"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    try {
      await until(() => /at (\S+\/graphql)/.test(stdout), "trestle serve to listen");
      expect(stderr).toContain(warning());
      const url = /at (\S+\/graphql)/.exec(stdout)![1]!;
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: "{ __typename }" }),
      });
      expect(await response.json()).toEqual({ data: { __typename: "Query" } });
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
  });
});
