import type { NormalizedCacheOptions } from "./cache-options.js";
import { createClusterPurgeRelay } from "./cluster-purge-relay.js";
import type { PurgeBus } from "./purge-bus.js";
import { RedisTier, type RedisTierReport } from "./redis-tier.js";

/**
 * What the first tier shares with other processes: with `cache.redis`, the Redis tier (entries,
 * locks, and purges by pub/sub); else, in a worker of `trestle serve --workers`, purges over
 * the cluster's IPC; else nothing. None while the cache is off.
 */
export function createSecondTier(
  options: NormalizedCacheOptions,
  report: RedisTierReport | undefined,
): { tier: RedisTier | undefined; bus: PurgeBus | undefined } {
  if (!options.enabled) return { tier: undefined, bus: undefined };
  if (options.redis !== undefined) {
    const tier = new RedisTier(options.redis, report);
    return { tier, bus: tier };
  }
  return { tier: undefined, bus: createClusterPurgeRelay() };
}
