import type { MetricsRecorder } from "../metrics/create-metrics.js";
import type { UpstreamPipeline } from "../pipeline/upstream-pipeline.js";
import type { SchemaPlan } from "../plan/schema-plan.js";
import { createOperationFlights, type OperationFlights } from "./create-operation-flights.js";
import { maxResults } from "./create-lane-results.js";

/** What the operations' memories (document, variables → header names) may hold: 4 MiB. */
const maxMemoryBytes = 4 * 1024 * 1024;

/**
 * Whole-operation `dedupe` for one GraphQL lane, or undefined when no upstream and no field of
 * the schema says `dedupe: true` (the default: nothing is looked up) or in debug mode (each
 * debug answer shows its own calls). Joins count as
 * `trestle_cache_reads_total{upstream="",result="operation_coalesced"}`.
 * `runsContext`: the app's `context` function runs for a caller that joins too (it may refuse it).
 */
export function createLaneFlights(
  plan: Pick<SchemaPlan, "upstreams" | "restFields">,
  pipeline: Pick<UpstreamPipeline, "onPurge">,
  debug: boolean,
  runsContext: boolean,
  metrics: MetricsRecorder | undefined,
): { store: OperationFlights; runsContext: boolean } | undefined {
  if (debug || !usesDedupe(plan)) return undefined;
  const store = createOperationFlights({
    maxOperations: maxResults,
    maxBytes: maxMemoryBytes,
    onPurge: (listener) => pipeline.onPurge(() => listener()),
    ...(metrics && { count: () => metrics.cacheRead("", "operation_coalesced") }),
  });
  return { store, runsContext };
}

/** Whether any read may say `dedupe`: an upstream's setting (a field may turn it off) or a field's own. */
function usesDedupe(plan: Pick<SchemaPlan, "upstreams" | "restFields">): boolean {
  for (const upstream of plan.upstreams.values()) if (upstream.dedupe === true) return true;
  return plan.restFields.some((rest) => rest.dedupe === true);
}
