import { readdir, readFile, stat } from "node:fs/promises";
import { extname, join, relative, resolve } from "node:path";
import { TrestleError } from "../errors.js";

/** One SDL text and the name diagnostics use for it (a path relative to the cwd, or "<sdl>"). */
export interface SchemaSource {
  name: string;
  body: string;
}

const sdlExtensions = new Set([".graphql", ".graphqls", ".gql"]);

/**
 * Reads the schema from a folder (every .graphql/.graphqls/.gql file below it, sorted), one
 * or more files, or SDL text. A string is SDL when it is no existing path and holds a `{`.
 */
export async function loadSchemaSources(schema: string | readonly string[], cwd = process.cwd()): Promise<SchemaSource[]> {
  const entries = typeof schema === "string" ? [schema] : schema;
  if (entries.length === 0)
    throw new TrestleError("CONFIG_INVALID", "schema: expected a folder, file(s) or SDL text, received an empty list");
  const sources: SchemaSource[] = [];
  for (const entry of entries) sources.push(...(await loadEntry(entry, cwd)));
  if (sources.length === 0) {
    throw new TrestleError("CONFIG_INVALID", `schema: no .graphql files found in ${entries.join(", ")}`);
  }
  return sources;
}

async function loadEntry(entry: string, cwd: string): Promise<SchemaSource[]> {
  const path = resolve(cwd, entry);
  const info = await stat(entry.includes("\n") ? "\0" : path).catch(() => undefined);
  if (info === undefined) {
    if (entry.includes("{")) return [{ name: "<sdl>", body: entry }];
    throw new TrestleError("CONFIG_INVALID", `schema: "${entry}" is neither a file, a folder nor SDL text`);
  }
  if (info.isFile()) return [{ name: displayName(path, cwd), body: await readFile(path, "utf8") }];
  const files = (await listFiles(path)).filter((file) => sdlExtensions.has(extname(file))).sort();
  return Promise.all(files.map(async (file) => ({ name: displayName(file, cwd), body: await readFile(file, "utf8") })));
}

/** Every file below `dir`, at any depth. */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return listFiles(path);
      return Promise.resolve(entry.isFile() ? [path] : []);
    }),
  );
  return nested.flat();
}

/** A path as diagnostics show it: relative to `cwd` when below it. */
export function displayName(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel.startsWith("..") ? path : rel;
}
