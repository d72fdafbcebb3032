import { spawn } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import type { CliIo } from "../../src/cli/cli-io.js";
import { directiveDefinitions } from "../../src/index.js";
import { serveDefaults } from "../../src/plan/serve-defaults.js";
import { until } from "../helpers/gate.js";

function captureIo(env: NodeJS.ProcessEnv = {}): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (t) => out.push(t), stderr: (t) => err.push(t), cwd: process.cwd(), env };
}

async function writeSchema(sdl: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "trestle-cli-"));
  await writeFile(join(dir, "api.graphql"), sdl);
  return dir;
}

describe("trestle check", () => {
  it("exits 0 on the demo schema", async () => {
    const io = captureIo();
    expect(await main(["check", "--schema", "schema/"], io)).toBe(0);
    expect(io.out.at(-1)).toBe("8 files checked: 0 errors, 0 warnings");
  });

  it("exits 1 with file:line:col diagnostics", async () => {
    const dir = await writeSchema(
      `extend schema @upstream(name: "a", baseUrl: "http://h")\ntype Query { x(id: ID): Int @rest(upstream: "b", path: "/x/{args.di}") }\n`,
    );
    const io = captureIo();
    expect(await main(["check", "--schema", dir], io)).toBe(1);
    const file = join(dir, "api.graphql");
    expect(io.out).toEqual([
      `${file}:2:45: @rest on Query.x names unknown upstream "b" (declared: a)`,
      `${file}:2:60: @rest uses {args.di}, but Query.x has no argument "di" (arguments: id)`,
    ]);
    expect(io.err).toEqual(["1 file checked: 2 errors, 0 warnings"]);
  });

  it("reads environment variables from the process environment", async () => {
    const dir = await writeSchema(
      `extend schema @upstream(name: "a", baseUrl: "{env.API_URL}")\ntype Query { x: Int @rest(path: "/x") }\n`,
    );
    expect(await main(["check", "--schema", dir], captureIo())).toBe(1);
    expect(await main(["check", "--schema", dir], captureIo({ API_URL: "http://127.0.0.1:1" }))).toBe(0);
  });

  it("says clearly when the schema path does not exist", async () => {
    const io = captureIo();
    expect(await main(["check", "--schema", "no/such/dir"], io)).toBe(1);
    expect(io.err).toEqual(['trestle check: schema: "no/such/dir" is neither a file, a folder nor SDL text']);
  });

  it("rejects unknown options", async () => {
    const io = captureIo();
    expect(await main(["check", "--schemas", "x"], io)).toBe(1);
    expect(io.err[0]).toMatch(/^trestle check: Unknown option '--schemas'/);
  });
});

describe("trestle print-schema and print-directives", () => {
  it("prints the client-facing SDL without Trestle's directives", async () => {
    const io = captureIo();
    expect(await main(["print-schema", "--schema", "schema/"], io)).toBe(0);
    const sdl = io.out.join("\n");
    expect(sdl).toContain("type Query {");
    expect(sdl).toContain("model(name: String!): Model");
    expect(sdl).not.toMatch(/@rest|@upstream|@from|@cache|Trestle/);
  });

  it("prints the directive definitions, which directives.graphql holds for editors", async () => {
    const io = captureIo();
    expect(await main(["print-directives"], io)).toBe(0);
    expect(io.out.join("")).toBe(await readFile("directives.graphql", "utf8"));
    expect(directiveDefinitions).toContain("directive @rest(");
  });

  it("answers help and unknown commands", async () => {
    const help = captureIo();
    expect(await main(["--help"], help)).toBe(0);
    expect(help.out[0]).toMatch(/^Usage: trestle <command>/);
    const unknown = captureIo();
    expect(await main(["serv"], unknown)).toBe(1);
    expect(unknown.err[0]).toMatch(/^trestle: unknown command "serv"/);
  });
});

describe("bad command lines", () => {
  it.each([
    [["serve", "--port", "http"], 'trestle serve: --port must be a number from 0 to 65535, received "http"'],
    [["serve", "--port", "70000"], 'trestle serve: --port must be a number from 0 to 65535, received "70000"'],
    [["serve", "--drain-timeout=-5"], 'trestle serve: --drain-timeout must be milliseconds (0 or more), received "-5"'],
    [
      ["serve", "--forwarded-host", "http://api.example.com"],
      'trestle serve: passthrough.forwardedHosts entries must be host names with an optional port ("api.example.com:8443"), received "http://api.example.com"',
    ],
    [
      ["serve", "--trusted-proxy", "10.0.0.0/8", "--trusted-proxy", "proxy"],
      'trestle serve: passthrough.trustedProxies entries must be IP addresses, CIDR ranges ("10.0.0.0/8") or "*", received "proxy"',
    ],
    [
      ["import", "swagger", "x.json"],
      'trestle import: expected "trestle import openapi SPEC --upstream NAME", received "trestle import swagger x.json"',
    ],
  ])("%j exits 1 with a clear message, starting nothing", async (argv, message) => {
    const io = captureIo();
    expect(await main(argv, io)).toBe(1);
    expect(io.err).toEqual([message]);
    expect(io.out).toEqual([]);
  });
});

describe("the installed bin", () => {
  it("runs `trestle --help` from the compiled CLI", async () => {
    const { code, stdout } = await run(["bin/trestle.js", "--help"]);
    expect(code).toBe(0);
    expect(stdout).toContain("trestle <command>");
  });

  it("`serve --demo` starts the demo upstream and answers a query, then stops on SIGTERM", async () => {
    const child = spawn(process.execPath, ["bin/trestle.js", "serve", "--schema", "schema/", "--port", "0", "--demo"], {
      env: { ...process.env, DEMO_API_URL: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        const match = /trestle serving schema\/ at (\S+\/graphql)/.exec(output);
        if (match?.[1]) resolve(match[1]);
      });
      child.once("exit", (code) => reject(new Error(`serve exited with ${code}: ${output}`)));
    });
    expect(output).toMatch(/demo upstream .* listening on http:\/\/127\.0\.0\.1:\d+/);
    // The banner says where GraphiQL is, and it is there: a browser's GET of that URL gets the page.
    expect(output).toContain(`trestle serving schema/ at ${url} (GraphiQL in a browser at the same URL)`);
    await until(() => output.includes("  health: "), "the banner's second line");
    expect(output).toContain(`  health: ${url.replace(/graphql$/, "healthz")}, readiness: `);
    const page = await fetch(url, { headers: { accept: "text/html" } });
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    // Read it whole: an unread page (GraphiQL's assets are inline) would hold the drain below until its deadline.
    expect(await page.text()).toContain("GraphiQL");
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: `{ model(name: "fraud-xgb") { name stage } }` }),
    });
    expect(await response.json()).toEqual({ data: { model: { name: "fraud-xgb", stage: "Production" } } });
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });
});

describe("trestle serve --help and the banner", () => {
  it("`serve --help` lists every option with its default, --drain-timeout included, and starts nothing", async () => {
    const io = captureIo();
    expect(await main(["serve", "--help"], io)).toBe(0);
    const help = io.out.join("\n");
    for (const option of ["--schema DIR", "--port N", "--host HOST", "--prefix", "--debug", "--demo", "--cors ORIGIN"])
      expect(help).toContain(option);
    expect(help).toMatch(new RegExp(`--drain-timeout MS[^]*\\(default: ${serveDefaults.drainTimeoutMs}\\)`));
    expect(help).toContain(`(default: ${serveDefaults.port})`);
    expect(help).toContain("--forwarded-host HOST");
    expect(help).toContain("--trusted-proxy IP|CIDR");
    expect(io.err).toEqual([]);
    const short = captureIo();
    expect(await main(["serve", "-h"], short)).toBe(0);
    expect(short.out).toEqual(io.out);
    const check = captureIo();
    expect(await main(["check", "--help"], check)).toBe(0);
    expect(check.out[0]).toMatch(/^Usage: trestle <command>/);
    expect(check.out[0]).toContain("[--drain-timeout MS]");
  });

  it("under NODE_ENV=production the banner says GraphiQL is off, and it is", async () => {
    const child = spawn(process.execPath, ["bin/trestle.js", "serve", "--schema", "schema/", "--port", "0", "--demo"], {
      env: { ...process.env, DEMO_API_URL: "", NODE_ENV: "production" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        const match = /trestle serving schema\/ at (\S+\/graphql) \(GraphiQL off: NODE_ENV=production\)/.exec(output);
        if (match?.[1]) resolve(match[1]);
      });
      child.once("exit", (code) => reject(new Error(`serve exited with ${code}: ${output}`)));
    });
    const page = await fetch(url, { headers: { accept: "text/html" } });
    expect(page.headers.get("content-type") ?? "").not.toMatch(/^text\/html/);
    await page.arrayBuffer();
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });
});

describe("graceful shutdown", () => {
  async function startServe(schemaDir: string, extra: string[] = []) {
    const child = spawn(process.execPath, ["bin/trestle.js", "serve", "--schema", schemaDir, "--port", "0", ...extra], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        const match = /at (\S+\/graphql)/.exec(output);
        if (match?.[1]) resolve(match[1]);
      });
      child.once("exit", (code) => reject(new Error(`serve exited with ${code}: ${output}`)));
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    return { child, url, exited, output: () => output };
  }

  it("F17: on SIGTERM lets an in-flight request finish, then exits 0", async () => {
    const { createServer } = await import("node:http");
    // The upstream holds its answer until trestle has begun draining.
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    let arrive: () => void = () => undefined;
    const arrived = new Promise<void>((resolve) => (arrive = resolve));
    const slow = createServer((_req, res) => {
      arrive();
      void released.then(() => res.writeHead(200, { "content-type": "application/json" }).end('{"id":"done"}'));
    });
    await new Promise<void>((resolve) => slow.listen(0, "127.0.0.1", resolve));
    const port = (slow.address() as { port: number }).port;
    const dir = await writeSchema(
      `extend schema @upstream(name: "a", baseUrl: "http://127.0.0.1:${port}")\ntype Query { item: Item @rest(path: "/item") }\ntype Item { id: ID }\n`,
    );
    const serve = await startServe(dir);
    const pending = fetch(serve.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ item { id } }" }),
    });
    await arrived;
    serve.child.kill("SIGTERM");
    await until(() => serve.output().includes("SIGTERM received, draining"), "trestle to start draining");
    release();
    const response = await pending;
    expect(await response.json()).toEqual({ data: { item: { id: "done" } } });
    expect(await serve.exited).toBe(0);
    expect(serve.output()).toContain("trestle: stopped");
    slow.closeAllConnections();
    slow.close();
  });

  it("exits 0 at the drain deadline when a request does not finish", async () => {
    const { createServer } = await import("node:http");
    let arrive: () => void = () => undefined;
    const arrived = new Promise<void>((resolve) => (arrive = resolve));
    const stuck = createServer(() => arrive());
    await new Promise<void>((resolve) => stuck.listen(0, "127.0.0.1", resolve));
    const port = (stuck.address() as { port: number }).port;
    const dir = await writeSchema(
      `extend schema @upstream(name: "a", baseUrl: "http://127.0.0.1:${port}", timeoutMs: 60000)\ntype Query { item: Item @rest(path: "/item") }\ntype Item { id: ID }\n`,
    );
    const serve = await startServe(dir, ["--drain-timeout", "300"]);
    const pending = fetch(serve.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ item { id } }" }),
    }).catch((error: unknown) => error);
    await arrived;
    serve.child.kill("SIGTERM");
    expect(await serve.exited).toBe(0);
    expect(serve.output()).toContain("drain deadline reached");
    await pending;
    stuck.closeAllConnections();
    stuck.close();
  });

  it("refuses to start on a schema with errors, printing every diagnostic", async () => {
    const dir = await writeSchema(
      `extend schema @upstream(name: "a", baseUrl: "http://h")\ntype Query { x: Int @rest(upstream: "b", path: "/x") }\n`,
    );
    const child = spawn(process.execPath, ["bin/trestle.js", "serve", "--schema", dir, "--port", "0"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    expect(code).toBe(1);
    expect(stderr).toContain(
      `trestle serve: Trestle schema has 1 error:\n${join(dir, "api.graphql")}:2:37: @rest on Query.x names unknown upstream "b" (declared: a)`,
    );
  });
});

function run(args: string[]): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.once("exit", (code) => resolve({ code, stdout }));
  });
}
