/** Lines held past this many characters are written at once, without waiting for the turn to end. */
const maxHeldChars = 64 * 1024;

/** The longest a line waits to be written, ms. */
const maxHeldMs = 50;

/**
 * Log lines written in batches (a file or pipe write is a system call each, and at tens of
 * thousands of requests a second they cost more than the lines): what 50 ms bring goes out in
 * one `write`, sooner once 64 KiB are held, and whatever is held when the process exits. Lines
 * keep their order; a line is never split.
 */
export function createLineBuffer(write: (text: string) => void): { write(line: string): void; flush(): void } {
  let held: string[] = [];
  let chars = 0;
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    if (held.length === 0) return;
    const text = held.join("");
    held = [];
    chars = 0;
    write(text);
  };
  process.once("exit", flush);
  return {
    write(line) {
      held.push(line);
      chars += line.length;
      if (chars >= maxHeldChars) return flush();
      timer ??= setTimeout(flush, maxHeldMs).unref();
    },
    flush,
  };
}
