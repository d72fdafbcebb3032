import type { ClientSignal } from "./client-signal.js";

/**
 * An abort to listen for: its signal, and a cheap way to be told. An AbortSignal listener
 * costs about 4 µs to add and remove, on every upstream call.
 */
export interface AbortSource {
  readonly signal: AbortSignal;
  /** `listener` runs once, when `signal` aborts (at once if it has). */
  onAbort(listener: () => void): void;
  /**
   * The same abort as a plain EventTarget-like, which undici's pool takes as its `signal`
   * (api-request.js reads `aborted`, `reason` and its abort listener): no AbortController is
   * made for it. Absent: `signal` is handed on.
   */
  readonly lightSignal?: LightSignal;
}

/** What undici reads of a request's `signal`. */
export interface LightSignal extends ClientSignal {
  readonly reason: unknown;
}

/**
 * `request`, or a rejection as soon as `source` aborts, whichever comes first. undici honours
 * an abort only once a connection has taken the request: one still waiting in its pool's
 * queue goes on waiting, past any deadline (docs/undici-pool-leak.md). Here the caller is
 * let go at once; an answer that still arrives has its body destroyed.
 */
export function settleBySignal<T extends { body: { destroy(): void } }, R = T>(
  request: Promise<T>,
  source: AbortSource,
  /** What the caller gets of the answer (one promise less than a `.then` after this one). */
  map: (answer: T) => R = (answer) => answer as unknown as R,
): Promise<R> {
  return new Promise<R>((resolve, reject) => {
    let settled = false;
    source.onAbort(() => {
      if (settled) return;
      settled = true;
      reject((source.lightSignal ?? source.signal).reason ?? new DOMException("This operation was aborted", "AbortError"));
    });
    request.then(
      (answer) => {
        if (settled) return answer.body.destroy();
        settled = true;
        resolve(map(answer));
      },
      (error: unknown) => {
        settled = true;
        reject(error);
      },
    );
  });
}

/** An AbortSource that is its own light signal; the AbortController behind `signal` is made only when `signal` is read. */
export function createAbortSource(): AbortSource & LightSignal & { abort(): void; release(): void } {
  return new LazyAbortSource();
}

/**
 * Node's AbortController costs about 3 µs to make (ClientGone's note) and every upstream
 * attempt had one: a flag, a reason and one listener list (in the order they were added:
 * undici's, then settleBySignal's, as the signal ran them) do the same until something needs
 * a real AbortSignal (the app's fetch, a streamed call), which then follows this abort.
 */
class LazyAbortSource implements AbortSource, LightSignal {
  aborted = false;
  reason: unknown = undefined;
  #controller: AbortController | undefined;
  #listeners: Array<() => void> = [];

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.aborted) this.#controller.abort(this.reason);
    }
    return this.#controller.signal;
  }

  get lightSignal(): LightSignal {
    return this;
  }

  /** Detachable (`onAbort: source.onAbort`): runs `listener` once on abort, at once if aborted. */
  readonly onAbort = (listener: () => void): void => {
    if (this.aborted) listener();
    else this.#listeners.push(listener);
  };

  addEventListener(_type: "abort", listener: () => void): void {
    if (!this.aborted) this.#listeners.push(listener);
  }

  /**
   * The attempt is over and nothing can abort it any more (its deadline cleared, its client's
   * listener removed): the listeners are dropped, so that whatever still holds this source
   * (undici's request handler, a settled race) no longer holds the call's promise chain.
   */
  release(): void {
    this.#listeners = [];
  }

  removeEventListener(_type: "abort", listener: () => void): void {
    const at = this.#listeners.indexOf(listener);
    if (at >= 0) this.#listeners.splice(at, 1);
  }

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    // What AbortController#abort() gives a signal without a reason.
    this.reason = new DOMException("This operation was aborted", "AbortError");
    this.#controller?.abort(this.reason);
    const run = this.#listeners;
    this.#listeners = [];
    for (const listener of run) listener();
  }
}
