/** One server-sent event as dispatched: its name ("message" when the stream gave none), its data and the last event ID. */
export interface SseEvent {
  event: string;
  data: string;
  id: string;
}

/**
 * An incremental parser of a `text/event-stream` body, following WHATWG HTML's "Server-sent
 * events" parsing rules: one leading U+FEFF BOM is dropped; lines end with CRLF, LF or CR (a
 * CRLF split across two chunks is one line end); a line starting with ":" is a comment;
 * `field: value` loses one space after the colon; `data` lines are joined with "\n"; `event`
 * names the event; `id` sets the last event ID (unless it holds NUL); `retry` and unknown
 * fields are ignored; a blank line dispatches the event, unless it has no data. What is still
 * pending when the body ends (an event without its blank line) is discarded, as the spec says.
 * `maxChars` bounds the text held for one event (its pending line and data): past it, `push`
 * throws `tooLarge()`.
 */
export class SseParser {
  #line = "";
  #data = "";
  #type = "";
  #lastId = "";
  #pendingCR = false;
  #started = false;
  readonly #maxChars: number;
  readonly #tooLarge: () => Error;

  constructor(maxChars: number, tooLarge: () => Error) {
    this.#maxChars = maxChars;
    this.#tooLarge = tooLarge;
  }

  /** Takes the next piece of decoded text; returns the events it completes, in order. */
  push(chunk: string): SseEvent[] {
    const events: SseEvent[] = [];
    if (chunk.length === 0) return events;
    let text = chunk;
    if (!this.#started) {
      this.#started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    let start = this.#pendingCR && text.charCodeAt(0) === 10 ? 1 : 0;
    this.#pendingCR = false;
    const ends = /\r\n|\r|\n/g;
    ends.lastIndex = start;
    for (let match = ends.exec(text); match !== null; match = ends.exec(text)) {
      const line = this.#line + text.slice(start, match.index);
      this.#line = "";
      if (match[0] === "\r" && match.index === text.length - 1) this.#pendingCR = true;
      this.#take(line, events);
      start = ends.lastIndex;
    }
    this.#line += text.slice(start);
    if (this.#line.length + this.#data.length > this.#maxChars) throw this.#tooLarge();
    return events;
  }

  #take(line: string, events: SseEvent[]): void {
    if (line === "") {
      this.#dispatch(events);
      return;
    }
    if (line.charCodeAt(0) === 58) return; // ":" comment
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    switch (field) {
      case "event":
        this.#type = value;
        return;
      case "data":
        this.#data += value + "\n";
        if (this.#data.length > this.#maxChars) throw this.#tooLarge();
        return;
      case "id":
        if (!value.includes("\0")) this.#lastId = value;
        return;
      default:
        return; // retry: reconnection is the client's business here; unknown fields are ignored
    }
  }

  #dispatch(events: SseEvent[]): void {
    const data = this.#data;
    const type = this.#type;
    this.#data = "";
    this.#type = "";
    if (data === "") return;
    events.push({ event: type === "" ? "message" : type, data: data.slice(0, -1), id: this.#lastId });
  }
}
