/**
 * A promise a test opens by hand: an upstream handler awaits `gate.opened` to hold its answer
 * until the test has seen what it waits for (instead of answering after a fixed sleep).
 */
export interface Gate {
  opened: Promise<void>;
  open(): void;
}

export function createGate(): Gate {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/**
 * Resolves as soon as `check()` holds (looked at every few ms): for a state change no event
 * announces, such as a socket closing inside the code under test. Fails after `limitMs`, which
 * only bounds a broken test; the test itself never depends on time.
 */
export async function until(check: () => boolean | Promise<boolean>, what: string, limitMs = 10_000): Promise<void> {
  for (let waited = 0; !(await check()); waited += 5) {
    if (waited >= limitMs) throw new Error(`gave up waiting for ${what} after ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
