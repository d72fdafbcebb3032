import { isIntrospectionType, isSpecifiedScalarType, type GraphQLSchema } from "graphql";
import { formatDiagnostic } from "../errors.js";
import type { CliIo } from "./cli-io.js";
import { runServe } from "./serve-command.js";
import { watchSources } from "./watch-sources.js";

export const devUsage = `Usage: trestle dev [--schema DIR] [--operations DIR] [--demo] [serve's options]

  Serves like trestle serve with --debug (upstream calls and error details in answers: for your own
  machine, never where clients are untrusted), watches the schema (and --operations) and reloads on
  every change: a good schema serves the next requests (requests and subscriptions already running
  finish on the old one), a broken one prints its diagnostics as file:line:col and the last good
  schema keeps serving. Ctrl-C stops it. Every other option: trestle serve --help.
Docs: docs/dev-loop.md`;

/** `trestle dev`: `trestle serve --debug`, plus a watcher that calls `trestle.reload()` on every change. */
export async function runDev(args: readonly string[], io: CliIo): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    io.stdout(devUsage);
    return 0;
  }
  if (args.some((arg) => arg === "--workers" || arg.startsWith("--workers="))) {
    io.stderr("trestle dev: --workers is not supported: dev reloads one process (use trestle serve --workers N in production)");
    return 1;
  }
  io.stdout("trestle dev: debug on (upstream calls and error details in answers), reloading on every schema change");
  return runServe(args.includes("--debug") ? args : [...args, "--debug"], io, async (trestle, watched) => {
    let running = false;
    let again = false;
    const reload = async (): Promise<void> => {
      if (running) return void (again = true);
      running = true;
      const started = performance.now();
      const diagnostics = await trestle
        .reload()
        .catch((error: unknown) => [{ severity: "error" as const, file: watched[0]!, line: 0, column: 0, message: String(error) }]);
      const errors = diagnostics.filter((d) => d.severity === "error").length;
      for (const diagnostic of diagnostics) io.stderr(formatDiagnostic(diagnostic));
      if (errors > 0) io.stderr(`trestle dev: ${errors} error${errors === 1 ? "" : "s"}, still serving the last good schema`);
      else io.stdout(`reloaded (${describeSchema(trestle.schema)}) in ${Math.round(performance.now() - started)} ms`);
      running = false;
      if (again) {
        again = false;
        await reload();
      }
    };
    const stop = await watchSources(watched, io.cwd, () => void reload());
    io.stdout(`trestle dev: watching ${watched.join(", ")}`);
    return async () => stop();
  });
}

/** "N types, M fields": the client schema's own types (no introspection or built-in scalars) and their fields. */
export function describeSchema(schema: GraphQLSchema): string {
  const types = Object.values(schema.getTypeMap()).filter((type) => !isIntrospectionType(type) && !isSpecifiedScalarType(type));
  const fields = types.reduce((sum, type) => sum + ("getFields" in type ? Object.keys(type.getFields()).length : 0), 0);
  return `${types.length} type${types.length === 1 ? "" : "s"}, ${fields} field${fields === 1 ? "" : "s"}`;
}
