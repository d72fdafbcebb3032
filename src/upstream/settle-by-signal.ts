/**
 * `request`, or a rejection as soon as `signal` aborts, whichever comes first. undici honours
 * an abort only once a connection has taken the request: one still waiting in its pool's
 * queue goes on waiting, past any deadline (docs/undici-pool-leak.md). Here the caller is
 * let go at once; an answer that still arrives has its body destroyed.
 */
export function settleBySignal<T extends { body: { destroy(): void } }>(request: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    void request.then((late) => late.body.destroy(), () => undefined);
    return Promise.reject(abortReason(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      void request.then((late) => late.body.destroy(), () => undefined);
      reject(abortReason(signal));
    };
    signal.addEventListener("abort", onAbort, { once: true });
    request.then(
      (answer) => {
        signal.removeEventListener("abort", onAbort);
        resolve(answer);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException("This operation was aborted", "AbortError");
}
