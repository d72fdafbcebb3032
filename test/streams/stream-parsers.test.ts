import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readStreamFrames } from "../../src/connector/read-stream-frames.js";
import { NdjsonSplitter } from "../../src/upstream/read-ndjson-lines.js";
import { SseParser, type SseEvent } from "../../src/upstream/read-sse-events.js";

// The SSE parser follows WHATWG HTML "9.2.6 Interpreting an event stream"; the NDJSON splitter
// splits on LF. Both must give the same frames however the body is cut into chunks.

const tooLarge = () => new Error("too large");
const sseOf = (...chunks: string[]): SseEvent[] => {
  const parser = new SseParser(1_000_000, tooLarge);
  return chunks.flatMap((chunk) => parser.push(chunk));
};
const linesOf = (...chunks: string[]): string[] => {
  const splitter = new NdjsonSplitter(1_000_000, tooLarge);
  return [...chunks.flatMap((chunk) => splitter.push(chunk)), ...splitter.end()];
};
const message = (data: string, id = "", event = "message"): SseEvent => ({ event, data, id });

describe("#18: server-sent events, as WHATWG HTML parses them", () => {
  it("#18: the spec's own examples: multi-line data joined by LF, comments, a field without a colon", () => {
    expect(sseOf("data: YHOO\ndata: +2\ndata: 10\n\n")).toEqual([message("YHOO\n+2\n10")]);
    expect(sseOf(": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n\n")).toEqual([
      message("first event", "1"),
      message("second event", ""),
      message(" third event", ""),
    ]);
    // "data" alone is a data line with an empty value; two of them make one LF.
    expect(sseOf("data\n\ndata\ndata\n\ndata:\n")).toEqual([message(""), message("\n")]);
  });

  it("#18: CR, LF and CRLF all end lines, a CRLF split across chunks is one line end, and one leading BOM is dropped", () => {
    expect(sseOf("\uFEFFdata: a\r\rdata: b\n\ndata: c\r\n\r\n")).toEqual([message("a"), message("b"), message("c")]);
    expect(sseOf("data: a\r", "\n", "\r", "\ndata: b\r\n\r\n")).toEqual([message("a"), message("b")]);
    // Only the first BOM goes: a second one is data.
    expect(sseOf("\uFEFF", "\uFEFFdata: x\n\n")).toEqual([]);
    expect(sseOf("\uFEFFdata: \uFEFFx\n\n")).toEqual([message("\uFEFFx")]);
  });

  it("#18: event names, ids (kept across events, not with NUL), retry and unknown fields", () => {
    expect(sseOf("event: token\nid: 7\nretry: 10\nfoo: bar\ndata: {}\n\ndata: 2\n\nid: a\0b\nevent: end\ndata: 3\n\n")).toEqual([
      message("{}", "7", "token"),
      message("2", "7"),
      message("3", "7", "end"),
    ]);
    // An event without data is not dispatched, and its name does not carry over.
    expect(sseOf("event: ping\n\ndata: x\n\n")).toEqual([message("x")]);
  });

  it("#18: a final event without its blank line is discarded", () => {
    expect(sseOf("data: 1\n\ndata: 2\n")).toEqual([message("1")]);
    expect(sseOf("data: 1\n\ndata: 2")).toEqual([message("1")]);
  });

  it("ST13: an event that grows past the bound throws, whether in one line or many", () => {
    const parser = new SseParser(10, tooLarge);
    expect(() => parser.push("data: 0123456789x")).toThrow("too large");
    const lines = new SseParser(10, tooLarge);
    expect(() => lines.push("data: 0123\ndata: 4567\ndata: 89\n")).toThrow("too large");
    expect(new SseParser(10, tooLarge).push("data: 012345678\n\n")).toEqual([message("012345678")]);
  });

  it("#18: the same events however the stream is cut into chunks (fast-check)", () => {
    const line = fc.oneof(
      fc.constantFrom("", ": comment", "retry: 5", "id: 3", "event: token", "data", "data:", "data: [DONE]"),
      fc.string({ unit: fc.constantFrom("a", " ", ":", "é", "\uFEFF", "{", "}") }).map((text) => `data: ${text}`),
    );
    const stream = fc.tuple(
      fc.array(fc.tuple(line, fc.constantFrom("\n", "\r", "\r\n")), { maxLength: 30 }),
      fc.boolean(),
      fc.array(fc.nat(), { maxLength: 10 }),
    );
    fc.assert(
      fc.property(stream, ([lines, bom, cuts]) => {
        const text = (bom ? "\uFEFF" : "") + lines.map(([l, end]) => l + end).join("");
        const points = [...new Set(cuts.map((cut) => cut % (text.length + 1)))].sort((a, b) => a - b);
        const chunks = [0, ...points, text.length].slice(1).map((end, at, ends) => text.slice(at === 0 ? 0 : ends[at - 1], end));
        expect(sseOf(...chunks)).toEqual(sseOf(text));
      }),
    );
  });
});

describe("#18: NDJSON lines", () => {
  it("#18: lines end with LF (CR before it dropped), blank lines are skipped, a last line without LF counts", () => {
    expect(linesOf('{"a":1}\n\n  \r\n{"b":2}\r\n', '{"c"', ":3}")).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
  });

  it("ST13: a line over the bound throws, whether it ended or not", () => {
    expect(() => new NdjsonSplitter(5, tooLarge).push("123456")).toThrow("too large");
    expect(() => new NdjsonSplitter(5, tooLarge).push("123\n1234567\n")).toThrow("too large");
    expect(new NdjsonSplitter(5, tooLarge).push("12345\n")).toEqual(["12345"]);
  });

  it("#18: the same lines however the body is cut (fast-check), through the byte reader too (UTF-8 split mid-character)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.json(), fc.constantFrom("", "  ", '"é€😀"')), { maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        async (lines, cuts) => {
          const text = lines.join("\n");
          const bytes = Buffer.from(text);
          const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
          const ends = [...points, bytes.length];
          const chunks = ends.map((end, at) => bytes.subarray(at === 0 ? 0 : ends[at - 1], end));
          const frames: string[] = [];
          for await (const frame of readStreamFrames(chunks, "NDJSON", 1_000_000, tooLarge)) frames.push(frame.data);
          expect(frames).toEqual(lines.filter((line) => line.trim() !== ""));
        },
      ),
    );
  });
});
