import { TrestleError } from "../errors.js";
import { PollLoop, type PollLoopInit } from "./poll-loop.js";

/**
 * The instance's polling loops (`@rest(poll:)` fields), one per read: subscribers of the same
 * field with the same cache key (identity included) join the same loop. At most `maxPollLoops`
 * run at once; a subscriber that would start one more gets SUBSCRIPTION_LIMIT. Subscribers also
 * count toward `limits.maxSubscriptions` (SubscriptionStreams.reserve), whose `close()` ends
 * them, and a loop whose last subscriber leaves stops.
 */
export interface PollLoops {
  /** The loop of `key`, or a new one made of `init()` (SUBSCRIPTION_LIMIT past `maxPollLoops`). */
  loop(key: string, init: () => Omit<PollLoopInit, "onStop">): PollLoop;
  /** Loops running now. */
  readonly size: number;
  /** Stops every loop (their subscribers complete). */
  close(): void;
}

export function createPollLoops(maxPollLoops: number): PollLoops {
  const loops = new Map<string, PollLoop>();
  return {
    loop(key, init) {
      const running = loops.get(key);
      if (running !== undefined) return running;
      if (loops.size >= maxPollLoops)
        throw new TrestleError(
          "SUBSCRIPTION_LIMIT",
          `This server runs ${maxPollLoops} polling loops, its limit (limits.maxPollLoops); try again later.`,
        );
      const loop = new PollLoop({
        ...init(),
        onStop: () => {
          if (loops.get(key) === loop) loops.delete(key);
        },
      });
      loops.set(key, loop);
      return loop;
    },
    get size() {
      return loops.size;
    },
    close() {
      for (const loop of [...loops.values()]) loop.stop();
    },
  };
}
