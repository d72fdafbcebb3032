import { normalizeLimits } from "../config/normalize-limits.js";
import type { Diagnostic } from "../errors.js";
import { createLimitRules } from "../limits/create-limit-rules.js";
import type { SchemaPlan } from "../plan/schema-plan.js";
import { buildOperationPlans } from "./build-operation-plans.js";
import { loadOperationSources } from "./load-operation-sources.js";

/** `trestle check --operations DIR`: the diagnostics `serve --operations DIR` would stop on (default limits), and how many files it read. */
export async function checkOperations(
  operations: string | readonly string[],
  plan: SchemaPlan,
  cwd?: string,
): Promise<{ diagnostics: Diagnostic[]; files: number }> {
  const sources = await loadOperationSources(operations, cwd);
  const rules = createLimitRules(normalizeLimits(undefined), plan.restFields, true);
  return { diagnostics: buildOperationPlans(sources, { schema: plan.schema, rules }).diagnostics, files: sources.length };
}
