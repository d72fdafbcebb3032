import type { StreamPlan } from "../plan/schema-plan.js";
import { NdjsonSplitter } from "../upstream/read-ndjson-lines.js";
import { SseParser } from "../upstream/read-sse-events.js";

/** One unit of a streaming answer: an SSE event (its name and data) or an NDJSON line (`event` "message"). */
export interface StreamFrame {
  event: string;
  data: string;
}

/**
 * The frames of a streaming answer's body, read as they are asked for: a chunk is read from the
 * body only when the frames of the one before have been taken (pull-based), so a slow reader
 * slows the upstream read (the body holds at most its own buffer). Text is UTF-8, a BOM kept
 * for the SSE parser to drop; an SSE event or NDJSON line of more than `maxChars` characters
 * throws `tooLarge()`.
 */
export async function* readStreamFrames(
  body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  format: StreamPlan["format"],
  maxChars: number,
  tooLarge: () => Error,
): AsyncGenerator<StreamFrame> {
  const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
  if (format === "SSE") {
    const parser = new SseParser(maxChars, tooLarge);
    for await (const chunk of body) yield* parser.push(decoder.decode(chunk, { stream: true }));
    yield* parser.push(decoder.decode());
    return; // an event without its closing blank line is discarded (WHATWG HTML)
  }
  const lines = new NdjsonSplitter(maxChars, tooLarge);
  const frame = (data: string): StreamFrame => ({ event: "message", data });
  for await (const chunk of body) yield* lines.push(decoder.decode(chunk, { stream: true })).map(frame);
  yield* [...lines.push(decoder.decode()), ...lines.end()].map(frame);
}
