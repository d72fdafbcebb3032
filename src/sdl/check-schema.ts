import type { Env } from "../template/interpolate-env.js";
import type { Diagnostic } from "../errors.js";
import { buildSchemaPlan } from "./build-schema-plan.js";
import { loadSchemaSources, type SchemaSource } from "./load-schema-sources.js";

export interface CheckSchemaOptions {
  /** Environment for `{env.X}`. @default process.env */
  env?: Env;
  /** Folder that relative schema paths are read from. @default process.cwd() */
  cwd?: string;
}

/** `trestle check` as a function: every diagnostic of the schema, errors and warnings. */
export async function checkSchema(schema: string | readonly string[], options: CheckSchemaOptions = {}): Promise<Diagnostic[]> {
  const sources = await loadSchemaSources(schema, options.cwd);
  return checkSchemaSources(sources, options.env);
}

/** The same, over SDL texts already in memory. */
export function checkSchemaSources(sources: readonly SchemaSource[], env?: Env): Diagnostic[] {
  return buildSchemaPlan(sources, env === undefined ? {} : { env }).diagnostics;
}
