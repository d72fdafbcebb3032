import { randomBytes } from "node:crypto";
import { rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { CliIo } from "./cli-io.js";
import { importOpenApi, type ImportSummary } from "../openapi/import-openapi.js";
import { loadOpenApiSource, type LoadedSpec } from "../openapi/load-document.js";
import { locatePointer } from "../openapi/locate-pointer.js";
import { OpenApiImportError } from "../openapi/openapi-import-error.js";

const usage = `Usage: trestle import openapi SPEC --upstream NAME [--base-url URL] [--prefix P] [--enums string] [-o FILE]

  SPEC             an OpenAPI 3.0/3.1 or Swagger 2.0 document: a JSON or YAML file, or an http(s) URL
  --upstream NAME  the @upstream name the generated fields call
  --base-url URL   call this URL instead of the spec's servers (default: the first server,
                   overridable through the NAME_URL environment variable)
  --prefix P       begin every generated type name with P (Airflow…) and root field name with p
                   (airflow…), for several documents imported into one schema folder
  --enums string   type string enums as String (their values listed in the description) instead
                   of GraphQL enums, for value sets that grow (default: enum)
  -o, --output FILE  write the SDL to FILE (replaced whole, never half-written) instead of stdout
`;

const prefix = "trestle import openapi";

/** `trestle import openapi …` (argv holds what follows `import openapi`); resolves to the exit code. */
export async function runImportOpenApi(argv: string[], io: CliIo): Promise<number> {
  let spec: LoadedSpec | undefined;
  try {
    const args = readArguments(argv);
    if (args === "help") {
      io.stdout(usage);
      return 0;
    }
    spec = await loadOpenApiSource(args.spec, { cwd: io.cwd });
    const { sdl, summary } = importOpenApi(spec.document, {
      upstream: args.upstream,
      ...(args.baseUrl === undefined ? {} : { baseUrl: args.baseUrl }),
      ...(args.prefix === undefined ? {} : { prefix: args.prefix }),
      ...(args.enums === undefined ? {} : { enums: args.enums }),
      ...(spec.url === undefined ? {} : { specUrl: spec.url }),
    });
    if (args.output === undefined) io.stdout(sdl);
    else await writeFileAtomically(resolve(io.cwd, args.output), sdl, args.output);
    for (const warning of summary.warnings) io.stderr(`${prefix}: warning: ${warning}\n`);
    io.stderr(`${formatSummary(summary)}\n`);
    return 0;
  } catch (error) {
    io.stderr(`${prefix}: ${describeError(error, spec)}\n`);
    return 1;
  }
}

interface ImportArguments {
  spec: string;
  upstream: string;
  baseUrl?: string;
  prefix?: string;
  enums?: "enum" | "string";
  output?: string;
}

function readArguments(argv: string[]): ImportArguments | "help" {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        upstream: { type: "string" },
        "base-url": { type: "string" },
        prefix: { type: "string" },
        enums: { type: "string" },
        output: { type: "string", short: "o" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    throw new OpenApiImportError(`${(error as Error).message.split("\n")[0] ?? "bad arguments"} (see --help)`);
  }
  const { values, positionals } = parsed;
  if (values.help === true) return "help";
  if (positionals.length !== 1 || positionals[0] === undefined) {
    throw new OpenApiImportError(
      `expected one SPEC (a file path or http(s) URL), received ${positionals.length === 0 ? "none" : positionals.join(" ")} (see --help)`,
    );
  }
  if (values.upstream === undefined || values.upstream === "") {
    throw new OpenApiImportError("--upstream NAME is required: the @upstream name the generated fields call (e.g. --upstream petstore)");
  }
  if (values.enums !== undefined && values.enums !== "enum" && values.enums !== "string") {
    throw new OpenApiImportError(`--enums takes "enum" (the default) or "string", received ${JSON.stringify(values.enums)} (see --help)`);
  }
  return {
    spec: positionals[0],
    upstream: values.upstream,
    ...(values["base-url"] === undefined ? {} : { baseUrl: values["base-url"] }),
    ...(values.prefix === undefined ? {} : { prefix: values.prefix }),
    ...(values.enums === undefined ? {} : { enums: values.enums }),
    ...(values.output === undefined ? {} : { output: values.output }),
  };
}

/** `imported 23 operations, skipped 2 (see comments)`. */
export function formatSummary(summary: ImportSummary): string {
  const skipped = summary.skipped.length;
  return `imported ${summary.imported} operation${summary.imported === 1 ? "" : "s"}, skipped ${skipped}${skipped > 0 ? " (see comments)" : ""}`;
}

/**
 * Writes a temporary file beside the target and renames it over the target: rename(2) within
 * one directory is atomic, so readers see the old file or the new one, never a part.
 */
async function writeFileAtomically(path: string, text: string, shown: string): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  try {
    await writeFile(temporary, text, { flag: "wx" });
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "its directory does not exist" : code === "EACCES" ? "permission denied" : (error as Error).message;
    throw new OpenApiImportError(`cannot write ${shown}: ${why}`, { cause: error });
  }
}

/** One line; problems inside the document get the spec's `file:line:col` when it can be found. */
function describeError(error: unknown, spec: LoadedSpec | undefined): string {
  if (!(error instanceof OpenApiImportError)) return `internal error: ${error instanceof Error ? error.message : String(error)}`;
  const message = error.message.split("\n")[0] ?? error.message;
  if (error.pointer === undefined || spec === undefined) return message;
  const place = locatePointer(spec.text, error.pointer);
  return place === undefined ? `${spec.location}: ${message}` : `${spec.location}:${place.line}:${place.col}: ${message}`;
}
