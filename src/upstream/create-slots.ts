import type { ClientSignal } from "./client-signal.js";

/** Why a slot was not given: the queue was full, or the waiter's signal aborted while it waited. */
export class SlotRefused extends Error {
  constructor(readonly reason: "full" | "aborted") {
    super(reason === "full" ? "every slot is taken and the queue is full" : "gave up waiting for a slot");
    this.name = "SlotRefused";
  }
}

interface Waiter {
  grant(release: () => void): void;
}

/**
 * A concurrency limit with a bounded queue, like cockatiel's bulkhead, with what that one
 * lacks here: a waiter whose signal aborts leaves the queue at once (a deadline bounds the
 * wait), and the limit can say how long its slots have been held (readiness, see
 * Resilience.state). `acquire` resolves with the slot's release, which may be called more
 * than once.
 */
export class Slots {
  readonly capacity: number;
  readonly #queueCapacity: number;
  readonly #queue: Waiter[] = [];
  /** When each held slot was taken (performance.now()). */
  readonly #held = new Set<{ since: number }>();

  constructor(capacity: number, queueCapacity: number) {
    this.capacity = capacity;
    this.#queueCapacity = queueCapacity;
  }

  get busy(): number {
    return this.#held.size;
  }

  /** When the longest-held slot was taken; undefined when none is. */
  get oldestSince(): number | undefined {
    let oldest: number | undefined;
    for (const { since } of this.#held) if (oldest === undefined || since < oldest) oldest = since;
    return oldest;
  }

  /** A free slot at once (its release), or undefined when every slot is taken: the caller then waits in `acquire`. */
  tryTake(): (() => void) | undefined {
    return this.#held.size < this.capacity ? this.#take() : undefined;
  }

  acquire(signal?: ClientSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(new SlotRefused("aborted"));
    if (this.#held.size < this.capacity) return Promise.resolve(this.#take());
    if (this.#queue.length >= this.#queueCapacity) return Promise.reject(new SlotRefused("full"));
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        const at = this.#queue.indexOf(waiter);
        if (at >= 0) this.#queue.splice(at, 1);
        reject(new SlotRefused("aborted"));
      };
      const waiter: Waiter = {
        grant: (release) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(release);
        },
      };
      this.#queue.push(waiter);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  #take(): () => void {
    const slot = { since: performance.now() };
    this.#held.add(slot);
    return () => {
      if (!this.#held.delete(slot)) return;
      const next = this.#queue.shift();
      if (next !== undefined) next.grant(this.#take());
    };
  }
}
