import type { MetricsRecorder } from "../metrics/create-metrics.js";
import type { UpstreamPipeline } from "../pipeline/upstream-pipeline.js";
import type { NormalizedCacheOptions } from "../cache/cache-options.js";
import { createOperationResults, type OperationResults } from "./create-operation-results.js";

/** Share of `cache.maxSize` the result cache may hold, besides the response cache. */
export const resultCacheShare = 10;
/** Results held at most, whatever their size. */
export const maxResults = 10_000;

/**
 * The result cache of one GraphQL lane, or undefined when `cache.enabled` or `cache.results`
 * is false. Hits count as `trestle_cache_reads_total{upstream="",result="operation"}`.
 * `runsContext`: the app's `context` function runs on a hit too (it may refuse the caller).
 */
export function createLaneResults(
  options: NormalizedCacheOptions,
  pipeline: Pick<UpstreamPipeline, "onPurge">,
  runsContext: boolean,
  metrics: MetricsRecorder | undefined,
): { store: OperationResults; runsContext: boolean } | undefined {
  if (!options.results) return undefined;
  const maxSize = Math.max(1, Math.floor(options.maxSize / resultCacheShare));
  const store = createOperationResults({
    now: options.now,
    maxSize,
    maxEntrySize: Math.min(maxSize, options.maxEntrySize),
    maxEntries: maxResults,
    onPurge: pipeline.onPurge,
    ...(metrics && { count: (result: "hit" | "miss") => result === "hit" && metrics.cacheRead("", "operation") }),
  });
  return { store, runsContext };
}
