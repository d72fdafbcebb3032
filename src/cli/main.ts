import { parseArgs } from "node:util";
import { printSchema } from "graphql";
import { formatDiagnostic, TrestleError } from "../errors.js";
import { buildSchemaPlan } from "../sdl/build-schema-plan.js";
import { directiveDefinitions } from "../sdl/directives.js";
import { loadSchemaSources } from "../sdl/load-schema-sources.js";
import { runImportOpenApi } from "./import-openapi-command.js";
import { checkOperations } from "../operations/check-operations.js";
import type { CliIo } from "./cli-io.js";
import { serveDefaults } from "../plan/serve-defaults.js";
import { runServe } from "./serve-command.js";
import { runMcp } from "./mcp-command.js";
import { runTest } from "./test-command.js";
import { runInit } from "./init-command.js";
import { runDev } from "./dev-command.js";

const usage = `Usage: trestle <command> [options]

Commands:
  serve [--schema DIR] [--port ${serveDefaults.port}] [--host ${serveDefaults.host}] [--prefix /bff] [--debug] [--demo]
        [--operations DIR] [--drain-timeout MS] [--cors ORIGIN]... [--forwarded-host HOST]... [--trusted-proxy IP|CIDR]...
                          serve the schema over HTTP (/graphql, /rest/*, /healthz, /readyz, /metrics);
                          every option and default: trestle serve --help
  dev [--schema DIR] [--operations DIR] [--demo] [serve's options]
                          serve with --debug and reload on every schema change; a broken schema prints
                          file:line:col diagnostics and the last good one keeps serving
  mcp --stdio --operations DIR [--schema DIR] [--header "Name: value"]...
                          the operations as MCP tools over stdin/stdout, for desktop agents
  check [--schema DIR] [--operations DIR]
                          validate the schema (and the operations served at /api and /mcp); prints
                          file:line:col diagnostics, exits 1 on errors
  print-schema [--schema DIR]
                          print the client-facing SDL (Trestle's directives removed)
  print-directives        print the SDL that declares Trestle's directives (for editors)
  test [--schema DIR] [--record] [--reporter plain|tap] [FILES...]
                          run the *.mapping.yaml tests against recorded upstream calls; exits 1 on a
                          failure; --record runs them against the real upstreams and writes the files
  init [DIR]              scaffold a schema folder (default: schema/) with graphql.config.yml for editors
  import openapi SPEC --upstream NAME [--base-url URL] [--prefix P] [-o FILE]
                          write SDL with directives for an OpenAPI 2.0/3.0/3.1 document (file or URL)

Options:
  --schema DIR            a folder of .graphql files, or a file (default: ${serveDefaults.schema})
  -h, --help              show this help
  -v, --version           show the version

Docs: README.md`;

const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text.endsWith("\n") ? text : `${text}\n`),
  stderr: (text) => process.stderr.write(text.endsWith("\n") ? text : `${text}\n`),
  cwd: process.cwd(),
  env: process.env,
};

/** Runs one CLI command; resolves to the exit code (serve resolves when the server stops). */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case "-h":
      case "--help":
      case "help":
        io.stdout(usage);
        return command === undefined ? 1 : 0;
      case "-v":
      case "--version":
        io.stdout(await readVersion());
        return 0;
      case "serve":
        return await runServe(rest, io);
      case "dev":
        return await runDev(rest, io);
      case "mcp":
        return await runMcp(rest, io);
      case "test":
        return await runTest(rest, io);
      case "init":
        return await runInit(rest, io);
      case "check":
      case "print-schema":
      case "print-directives":
        if (rest.includes("--help") || rest.includes("-h")) {
          io.stdout(usage);
          return 0;
        }
        return await runOther(command, rest, io);
      case "import":
        if (rest[0] !== "openapi") {
          io.stderr(`trestle import: expected "trestle import openapi SPEC --upstream NAME", received "trestle import ${rest.join(" ")}"`);
          return 1;
        }
        return await runImportOpenApi(rest.slice(1), io);
      default:
        io.stderr(`trestle: unknown command "${command}"\n\n${usage}`);
        return 1;
    }
  } catch (error) {
    if (error instanceof TrestleError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      io.stderr(`trestle ${command}: ${(error as Error).message}`);
      return 1;
    }
    throw error;
  }
}

async function runOther(command: "check" | "print-schema" | "print-directives", rest: readonly string[], io: CliIo): Promise<number> {
  if (command === "check") return runCheck(rest, io);
  if (command === "print-schema") return runPrintSchema(rest, io);
  io.stdout(directiveDefinitions);
  return 0;
}

export function parseSchemaOption(args: readonly string[]): { schema: string } {
  const { values } = parseArgs({ args: [...args], options: { schema: { type: "string", default: serveDefaults.schema } }, strict: true });
  return { schema: values.schema };
}

async function runCheck(args: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: { schema: { type: "string", default: serveDefaults.schema }, operations: { type: "string" } },
    strict: true,
  });
  const sources = await loadSchemaSources(values.schema, io.cwd);
  const { plan, diagnostics } = buildSchemaPlan(sources, { env: io.env });
  let files = sources.length;
  // The operations are checked against a schema that builds (`serve --operations` reads them the same way).
  if (values.operations !== undefined && plan !== undefined) {
    const checked = await checkOperations(values.operations, plan, io.cwd);
    diagnostics.push(...checked.diagnostics);
    files += checked.files;
  }
  for (const diagnostic of diagnostics) io.stdout(formatDiagnostic(diagnostic));
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  const warnings = diagnostics.length - errors;
  const summary = `${files} file${files === 1 ? "" : "s"} checked: ${errors} error${errors === 1 ? "" : "s"}, ${warnings} warning${warnings === 1 ? "" : "s"}`;
  (errors > 0 ? io.stderr : io.stdout)(summary);
  return errors > 0 ? 1 : 0;
}

async function runPrintSchema(args: readonly string[], io: CliIo): Promise<number> {
  const { schema } = parseSchemaOption(args);
  const { plan, diagnostics } = buildSchemaPlan(await loadSchemaSources(schema, io.cwd), { env: io.env });
  if (plan === undefined) {
    for (const diagnostic of diagnostics) io.stderr(formatDiagnostic(diagnostic));
    return 1;
  }
  io.stdout(printSchema(plan.schema));
  return 0;
}

async function readVersion(): Promise<string> {
  const { readFile } = await import("node:fs/promises");
  const pkg = JSON.parse(await readFile(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}
