/**
 * An incremental splitter of an NDJSON (JSON Lines) body: lines end with LF (a CR before it
 * is dropped), lines of only whitespace are skipped, and a last line without its LF still
 * counts once the body ends (`end()`). It hands back the raw lines; parsing them is the
 * caller's (a `done` value is compared raw). `maxChars` bounds one line: past it, `push` throws
 * `tooLarge()`.
 */
export class NdjsonSplitter {
  #line = "";
  readonly #maxChars: number;
  readonly #tooLarge: () => Error;

  constructor(maxChars: number, tooLarge: () => Error) {
    this.#maxChars = maxChars;
    this.#tooLarge = tooLarge;
  }

  /** Takes the next piece of decoded text; returns the lines it completes, in order. */
  push(chunk: string): string[] {
    const lines: string[] = [];
    let start = 0;
    for (let end = chunk.indexOf("\n"); end >= 0; end = chunk.indexOf("\n", start)) {
      this.#keep(this.#line + chunk.slice(start, end), lines);
      this.#line = "";
      start = end + 1;
    }
    this.#line += chunk.slice(start);
    if (this.#line.length > this.#maxChars) throw this.#tooLarge();
    return lines;
  }

  /** The last line, when the body ended without a line end after it. */
  end(): string[] {
    const lines: string[] = [];
    this.#keep(this.#line, lines);
    this.#line = "";
    return lines;
  }

  #keep(raw: string, lines: string[]): void {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line.length > this.#maxChars) throw this.#tooLarge();
    if (line.trim() !== "") lines.push(line);
  }
}
