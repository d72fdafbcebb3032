import type { UpstreamPlan } from "../plan/schema-plan.js";
import type { PurgeMessage } from "./purge-bus.js";
import type { ResponseCache } from "./response-cache.js";

/** `trestle.cache`: the instance's shared response cache, as the library API shows it. */
export interface TrestleCache {
  /**
   * Deletes the stored answers of one upstream, for every identity: all of them, or those
   * whose path (relative to the upstream's base URL, query ignored) is `pathPrefix` or lies
   * below it segment-wise (`"/models"` takes `/models`, `/models?limit=5`, `/models/a`, not
   * `/modelsets`). Returns how many answers were deleted.
   * @example trestle.cache.purge("ml", "/models/fraud-xgb")
   */
  purge(upstream: string, pathPrefix?: string): number;
  /** Answers held. */
  readonly size: number;
  /** Bytes held, as counted against `maxSize`. */
  readonly calculatedSize: number;
  readonly maxSize: number;
  /** Reads that joined an upstream call already in flight (coalesced) since the instance began. */
  readonly joined: number;
}

/** Purges entries (and marks reads in flight) that the message names, here and in the other processes; returns how many entries went here. */
export type PurgeWhere = (message: PurgeMessage) => number;

/** The library's view of the store: `purge` checks its arguments and maps a path prefix onto the upstream's base path. */
export function createTrestleCache(
  store: ResponseCache,
  plans: ReadonlyMap<string, UpstreamPlan>,
  purgeWhere: PurgeWhere,
  joined: () => number,
): TrestleCache {
  return {
    purge(upstream, pathPrefix) {
      const plan = plans.get(upstream);
      if (plan === undefined) {
        throw new TypeError(`cache.purge: no upstream named ${JSON.stringify(upstream)} (upstreams: ${[...plans.keys()].join(", ")})`);
      }
      if (pathPrefix === undefined) return purgeWhere({ upstream });
      if (typeof pathPrefix !== "string" || !pathPrefix.startsWith("/") || pathPrefix.includes("?")) {
        throw new TypeError(
          `cache.purge: pathPrefix must be a path starting with "/" and without a query, like "/models", received ${JSON.stringify(pathPrefix)}`,
        );
      }
      return purgeWhere({ upstream, prefix: plan.basePath + pathPrefix.replace(/\/+$/, "") });
    },
    get size() {
      return store.size;
    },
    get calculatedSize() {
      return store.calculatedSize;
    },
    maxSize: store.maxSize,
    get joined() {
      return joined();
    },
  };
}
