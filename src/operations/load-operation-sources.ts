import { readFile, stat } from "node:fs/promises";
import { extname, resolve } from "node:path";
import { TrestleError } from "../errors.js";
import { displayName, listFiles, type SchemaSource } from "../sdl/load-schema-sources.js";

const operationExtensions = new Set([".graphql", ".gql"]);

/**
 * Reads the operation files: a folder (every .graphql/.gql file below it, sorted) or a list of
 * files. Names are relative to `cwd`, as diagnostics print them.
 */
export async function loadOperationSources(operations: string | readonly string[], cwd = process.cwd()): Promise<SchemaSource[]> {
  const entries = typeof operations === "string" ? [operations] : operations;
  if (entries.length === 0)
    throw new TrestleError("CONFIG_INVALID", "operations: expected a folder or .graphql files, received an empty list");
  const sources: SchemaSource[] = [];
  for (const entry of entries) {
    const path = resolve(cwd, entry);
    const info = await stat(path).catch(() => undefined);
    if (info === undefined) throw new TrestleError("CONFIG_INVALID", `operations: "${entry}" is neither a file nor a folder`);
    const files = info.isFile() ? [path] : (await listFiles(path)).filter((file) => operationExtensions.has(extname(file))).sort();
    for (const file of files) sources.push({ name: displayName(file, cwd), body: await readFile(file, "utf8") });
  }
  if (sources.length === 0) throw new TrestleError("CONFIG_INVALID", `operations: no .graphql files found in ${entries.join(", ")}`);
  return sources;
}
