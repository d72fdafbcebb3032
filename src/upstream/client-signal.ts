/**
 * How a caller tells the pipeline that its client has gone (F15): what an upstream call needs
 * of an AbortSignal, and no more. A WHATWG request's `signal` is one; so is ClientGone.
 */
export interface ClientSignal {
  readonly aborted: boolean;
  addEventListener(type: "abort", listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: "abort", listener: () => void): void;
}

/**
 * A ClientSignal for the hot path. Node's AbortController costs about 3 µs to make (each
 * signal is an EventTarget whose prototype is swapped), and the fast lane would make one per
 * request and one per shared cache read; this is a flag and a list. Listeners run once.
 */
export class ClientGone implements ClientSignal {
  aborted = false;
  #listeners: Array<() => void> = [];

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    for (const listener of this.#listeners.splice(0)) listener();
  }

  addEventListener(_type: "abort", listener: () => void): void {
    if (!this.aborted) this.#listeners.push(listener);
  }

  removeEventListener(_type: "abort", listener: () => void): void {
    const at = this.#listeners.indexOf(listener);
    if (at >= 0) this.#listeners.splice(at, 1);
  }
}
