import { StreamPayload } from "./payload-stream.js";

const finished: IteratorResult<StreamPayload> = { value: undefined, done: true };

/**
 * One client of a polling loop, as graphql-js's `subscribe` wants it (an async iterator): the
 * loop pushes payloads (the same objects to every subscriber of the loop), `finish()` completes
 * it once those already pushed are taken, `next()` hands them on one at a time. `return()` (the
 * client left) and `leave()` run the `onLeave` callbacks once: the loop forgets it, its budget is released.
 */
export class PollSubscriber implements AsyncIterableIterator<StreamPayload> {
  /** Payloads kept for a subscriber that does not read. */
  static readonly maxQueued = 16;
  readonly #queue: StreamPayload[] = [];
  readonly #beforePayload: () => void;
  readonly #onLeave: Array<() => void> = [];
  #waiting: ((result: IteratorResult<StreamPayload>) => void) | undefined;
  #finished = false;
  #left = false;

  constructor(beforePayload: () => void) {
    this.#beforePayload = beforePayload;
  }

  /** Adds what to run when it leaves (at once if it has left). */
  onLeave(leave: () => void): this {
    if (this.#left) leave();
    else this.#onLeave.push(leave);
    return this;
  }

  get left(): boolean {
    return this.#left;
  }

  push(payload: StreamPayload): void {
    if (this.#finished || this.#left) return;
    const waiting = this.#waiting;
    if (waiting === undefined) {
      // A subscriber that stops reading holds at most maxQueued payloads: past it the newest
      // replaces the last one queued (a poll payload is the latest state; the final one is never lost).
      if (this.#queue.length >= PollSubscriber.maxQueued) this.#queue[this.#queue.length - 1] = payload;
      else this.#queue.push(payload);
      return;
    }
    this.#waiting = undefined;
    this.#beforePayload();
    waiting({ value: payload, done: false });
  }

  /** No more payloads: completes once the queued ones are taken. */
  finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    if (this.#queue.length === 0) this.#complete();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<StreamPayload>> {
    const payload = this.#queue.shift();
    if (payload !== undefined) {
      this.#beforePayload();
      if (this.#finished && this.#queue.length === 0) this.leave();
      return Promise.resolve({ value: payload, done: false });
    }
    if (this.#finished || this.#left) {
      this.leave();
      return Promise.resolve(finished);
    }
    return new Promise((resolve) => {
      this.#waiting = resolve;
    });
  }

  return(): Promise<IteratorResult<StreamPayload>> {
    this.#complete();
    return Promise.resolve(finished);
  }

  /** Leaves the loop now: a waiting `next()` completes, nothing more is pushed. */
  leave(): void {
    if (this.#left) return;
    this.#left = true;
    for (const leave of this.#onLeave.splice(0)) leave();
  }

  #complete(): void {
    this.#finished = true;
    this.#queue.length = 0;
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.(finished);
    this.leave();
  }
}
