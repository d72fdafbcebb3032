import { normalizeLimits } from "../config/normalize-limits.js";
import type { Diagnostic } from "../errors.js";
import { createLimitRules } from "../limits/create-limit-rules.js";
import type { SchemaPlan } from "../plan/schema-plan.js";
import { buildOperationPlans } from "./build-operation-plans.js";
import { loadOperationSources } from "./load-operation-sources.js";

/** `trestle check --operations DIR`: the diagnostics `serve --operations DIR` would stop on (default limits). */
export async function checkOperations(operations: string | readonly string[], plan: SchemaPlan, cwd?: string): Promise<Diagnostic[]> {
  const sources = await loadOperationSources(operations, cwd);
  const rules = createLimitRules(normalizeLimits(undefined), plan.restFields, true);
  return buildOperationPlans(sources, { schema: plan.schema, rules }).diagnostics;
}
