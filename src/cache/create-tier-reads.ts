import { setTimeout as sleep } from "node:timers/promises";
import type { CacheKey } from "./build-cache-key.js";
import type { Outcome } from "./read-outcome.js";
import type { RedisTier } from "./redis-tier.js";
import type { CacheEntry, ResponseCache } from "./response-cache.js";

/** How a read uses the second tier: fill the first from it, and call the upstream once across replicas. */
export interface TierReads {
  /**
   * Copies this read's entries (its identity key, then the shared one) from Redis into the
   * first tier when they are fresh there, or when `orAny` (the first tier has none) and
   * still retained. The first tier's lookup then applies the privacy rules as for its own
   * entries. True when something was copied.
   */
  fill(key: CacheKey, headers: Readonly<Record<string, string>>, orAny: boolean): Promise<boolean>;
  /**
   * Runs `call` (this replica's upstream call) unless another replica holds the read's lock:
   * then waits, up to `lockWaitMs`, for its answer to appear in Redis (`fresh` looks it up
   * in the first tier after each fill) and serves it as `coalesced` (`onWait` tells when it starts waiting); without one by then, or
   * once the lock is gone without one (the answer was not storable), makes its own call.
   */
  exchangeOnce(
    flightKey: string,
    key: CacheKey,
    headers: Readonly<Record<string, string>>,
    call: () => Promise<Outcome>,
    fresh: () => CacheEntry | undefined,
    onWait: () => void,
  ): Promise<Outcome>;
}

const firstPauseMs = 2;

export function createTierReads(tier: RedisTier, store: ResponseCache, now: () => number, waitMs: number, pollMs: number): TierReads {
  async function fill(key: CacheKey, headers: Readonly<Record<string, string>>, orAny: boolean): Promise<boolean> {
    const keys = key.identity === undefined ? [key.shared] : [key.identity, key.shared];
    const entries = await Promise.all(keys.map((at) => tier.get(at, headers)));
    const at = now();
    let filled = false;
    entries.forEach((entry, i) => {
      if (entry === undefined || at >= entry.retainUntil || !(orAny || at < entry.freshUntil)) return;
      filled = store.fill(keys[i]!, entry, entry.vary, headers) || filled;
    });
    return filled;
  }

  return {
    fill,
    async exchangeOnce(flightKey, key, headers, call, fresh, onWait) {
      const token = await tier.lock(flightKey);
      if (token !== false) {
        try {
          if (token !== undefined) {
            // Taken: but a replica may have stored the answer (and let go of the lock) since this read last looked.
            await fill(key, headers, true);
            const entry = fresh();
            if (entry !== undefined) return { response: entry.response, entry, status: "coalesced", reusable: true };
          }
          return await call();
        } finally {
          // After the entry's write, on the same connection: a replica waiting sees the entry before the lock goes.
          if (token !== undefined) tier.unlock(flightKey, token);
        }
      }
      onWait();
      const deadline = performance.now() + waitMs;
      let pause = firstPauseMs;
      while (performance.now() < deadline) {
        await sleep(pause);
        pause = Math.min(pause * 2, pollMs);
        const held = await tier.isLocked(flightKey);
        await fill(key, headers, true);
        const entry = fresh();
        if (entry !== undefined) return { response: entry.response, entry, status: "coalesced", reusable: true };
        if (held !== true) break;
      }
      return call();
    },
  };
}
