/** Lines held past this many bytes are written at once, without waiting for the timer. */
const maxHeldBytes = 64 * 1024;

/** The longest a line waits to be written, ms. */
const maxHeldMs = 50;

/** Room for the held bytes and the longest line that still joins them (UTF-8: at most 3 bytes per UTF-16 unit). */
const capacity = 2 * maxHeldBytes;

/**
 * Log lines written in batches (a file or pipe write is a system call each, and at tens of
 * thousands of requests a second they cost more than the lines): what 50 ms bring goes out in
 * one `write`, sooner once 64 KiB are held, and whatever is held when the process exits. Lines
 * keep their order; a line is never split.
 *
 * Held lines are copied (UTF-8) into one buffer as they come, not kept as strings: a string
 * held 50 ms outlives the young generation's collections and is copied and promoted (at
 * tens of thousands of lines a second, that cost more than writing them). A line too long for
 * the buffer goes out on its own, after what is held.
 */
export function createLineBuffer(write: (text: string) => void): { write(line: string): void; flush(): void } {
  const held = Buffer.allocUnsafe(capacity);
  let used = 0;
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    if (used === 0) return;
    const text = held.toString("utf8", 0, used);
    used = 0;
    write(text);
  };
  process.once("exit", flush);
  return {
    write(line) {
      if (line.length * 3 > capacity - used) {
        flush();
        if (line.length * 3 > capacity) return write(line);
      }
      used += held.write(line, used);
      if (used >= maxHeldBytes) return flush();
      timer ??= setTimeout(flush, maxHeldMs).unref();
    },
    flush,
  };
}
