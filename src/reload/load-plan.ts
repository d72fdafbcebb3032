import type { TrestleOptions } from "../config/trestle-options.js";
import type { Diagnostic } from "../errors.js";
import type { SchemaPlan } from "../plan/schema-plan.js";
import { buildSchemaPlan } from "../sdl/build-schema-plan.js";
import { loadSchemaSources } from "../sdl/load-schema-sources.js";
import type { Env } from "../template/interpolate-env.js";

/** The schema's plan, or (with `plan` undefined) the diagnostics that stopped it; warnings either way. */
export interface LoadedPlan {
  plan: SchemaPlan | undefined;
  diagnostics: Diagnostic[];
}

/** Reads the schema sources (`options.schema`, from `options.cwd`) and builds the plan: at start and on every reload. */
export async function loadPlan(options: TrestleOptions, env: Env): Promise<LoadedPlan> {
  const sources = await loadSchemaSources(options.schema, options.cwd);
  return buildSchemaPlan(sources, { env, upstreams: options.upstreams ?? {}, hasContext: options.context !== undefined });
}
