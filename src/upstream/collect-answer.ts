import { Readable } from "node:stream";
import { promisify } from "node:util";
import { brotliDecompress, gunzip, inflate } from "node:zlib";
import { UpstreamError } from "../errors.js";
import type { UpstreamPlan } from "../plan/schema-plan.js";
import type { OpenedAnswer } from "./open-upstream.js";

/** An upstream's answer, read whole and decoded (never more than `maxResponseBytes`). */
export interface UpstreamResponse {
  status: number;
  /** Lower-case names; repeated headers joined with ", " (Set-Cookie kept as a list elsewhere). */
  headers: Record<string, string>;
  body: Buffer;
  /**
   * Only when the caller asked for `overflow` (the passthrough route's reads) and the answer
   * is not kept whole: larger than `maxResponseBytes` (before or after decoding), of a streaming
   * media type, or without a length. `body` is then empty and this is the answer as it arrives,
   * bytes as sent, the part already read first.
   */
  streamed?: StreamedAnswer;
}

export interface StreamedAnswer {
  headers: OpenedAnswer["headers"];
  body: Readable;
  /** Why it was not kept whole, for Cache-Status. */
  reason: string;
  /**
   * Only for an answer without a length: asks for its bytes as they pass, up to `maxBytes`.
   * `onWhole` runs once: with the whole answer, decoded, once the last byte has passed; with
   * nothing when the body went over `maxBytes`, failed, or was destroyed before its end
   * (nothing partial). The body ends for its reader once `onWhole` has run: a client that has
   * read it all finds it stored. Call it before reading `body`.
   */
  keep?(maxBytes: number, onWhole: (response: UpstreamResponse | undefined) => void): void;
}

/** Answers that never end by design: streamed through, never buffered or stored. */
const streamingTypes = ["text/event-stream", "application/x-ndjson", "application/jsonl"];

const decoders: Record<string, (buffer: Buffer, options: { maxOutputLength: number }) => Promise<Buffer>> = {
  gzip: promisify(gunzip),
  "x-gzip": promisify(gunzip),
  deflate: promisify(inflate),
  br: promisify(brotliDecompress),
};

/**
 * The buffered send's second half, after openUpstream: reads the body up to
 * `maxResponseBytes`, then decodes it, capped again. Past a cap the call fails with
 * UPSTREAM_RESPONSE_TOO_LARGE — unless `overflow` is set (the passthrough route's reads): the
 * answer is then handed back still streaming (`streamed`), so it is never requested twice.
 */
export async function collectAnswer(
  answer: OpenedAnswer,
  upstream: UpstreamPlan,
  method: string,
  where: string,
  overflow = false,
): Promise<UpstreamResponse> {
  const headers = flattenHeaders(answer.headers);
  const max = upstream.maxResponseBytes;
  if (overflow) {
    if (isStreamingType(headers["content-type"])) return streamed(answer, headers, [], "streaming media type");
    const length = headers["content-length"];
    const hasBody = method !== "HEAD" && answer.status >= 200 && answer.status !== 204 && answer.status !== 304;
    if (hasBody && length !== undefined && Number(length) > max) return streamed(answer, headers, [], "larger than maxResponseBytes");
    if (hasBody && length === undefined) {
      const answered = streamed(answer, headers, [], "no length");
      answered.streamed!.keep = (maxBytes, onWhole) =>
        keepWhole(answered.streamed!, Math.min(maxBytes, max), async (body) => {
          if (body === undefined) return onWhole(undefined);
          let decoded: Buffer;
          try {
            decoded = await decode(body, headers["content-encoding"], upstream, where);
          } catch {
            return onWhole(undefined);
          }
          onWhole({ status: answer.status, headers, body: decoded });
        });
      return answered;
    }
  }
  if (!overflow) {
    const body = await readWhole(answer.body, max, () => tooLarge(upstream.name, max, where));
    const encoding = headers["content-encoding"];
    // Most answers are not encoded: kept as read, without another await.
    if (encoding === undefined || encoding === "identity") return { status: answer.status, headers, body };
    return { status: answer.status, headers, body: await decode(body, encoding, upstream, where) };
  }
  const chunks: Buffer[] = [];
  let size = 0;
  // One iterator, so that an overflow hands on the rest of the same read (a loop left early would destroy the body).
  const reader = (answer.body as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  for (let next = await reader.next(); next.done !== true; next = await reader.next()) {
    size += next.value.length;
    chunks.push(next.value);
    if (size > max) {
      if (overflow) return streamed(answer, headers, chunks, "larger than maxResponseBytes", reader);
      answer.body.destroy();
      throw tooLarge(upstream.name, max, where);
    }
  }
  const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
  try {
    return { status: answer.status, headers, body: await decode(body, headers["content-encoding"], upstream, where) };
  } catch (error) {
    if (overflow && error instanceof UpstreamError && error.code === "UPSTREAM_RESPONSE_TOO_LARGE")
      return streamed(answer, headers, [body], "larger than maxResponseBytes");
    throw error;
  }
}

/**
 * The whole body, read through its events rather than an async iterator (whose promise per
 * chunk and end-of-stream watcher every call paid for): past `max` bytes it is destroyed (the
 * call aborted) and `tooLargeError` thrown; an error ends the read with it; a close before the
 * end is a premature close, as the iterator reported it.
 */
function readWhole(body: Readable, max: number, tooLargeError: () => Error): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (body.errored) return reject(body.errored);
    if (body.destroyed) return reject(prematureClose());
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      body.off("data", onData);
      body.off("end", onEnd);
      body.off("error", onError);
      body.off("close", onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= max) {
        chunks.push(chunk);
        return;
      }
      stop();
      // Destroying may emit "error" on the next tick: keep a listener so that it is not unhandled.
      body.on("error", () => {});
      body.destroy();
      reject(tooLargeError());
    };
    const onEnd = () => {
      stop();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => {
      stop();
      reject(error);
    };
    const onClose = () => {
      stop();
      reject(prematureClose());
    };
    body.on("data", onData);
    body.on("end", onEnd);
    body.on("error", onError);
    body.on("close", onClose);
  });
}

function prematureClose(): Error {
  return Object.assign(new Error("Premature close"), { code: "ERR_STREAM_PREMATURE_CLOSE" });
}

/** Whether a Content-Type names one of the media types that stream through (DESIGN: passthrough). */
function isStreamingType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const type = contentType.split(";")[0]!.trim().toLowerCase();
  return streamingTypes.includes(type);
}

/**
 * Wraps `streamed.body` so that its bytes are also gathered, up to `maxBytes`. `onEnd` runs
 * once: with the bytes when the body ended whole (the wrapper ends after it), else (over
 * `maxBytes`, failed, destroyed) with nothing.
 */
function keepWhole(streamed: StreamedAnswer, maxBytes: number, onEnd: (body: Buffer | undefined) => Promise<void>): void {
  const source = streamed.body;
  let reported = false;
  const report = async (body: Buffer | undefined) => {
    if (reported) return;
    reported = true;
    await onEnd(body);
  };
  async function* gathering(): AsyncGenerator<Buffer> {
    let chunks: Buffer[] | undefined = [];
    let size = 0;
    for await (const chunk of source as AsyncIterable<Buffer>) {
      if (chunks !== undefined) {
        size += chunk.length;
        if (size > maxBytes) chunks = undefined;
        else chunks.push(chunk);
      }
      yield chunk;
    }
    await report(chunks === undefined ? undefined : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
  }
  streamed.body = Readable.from(gathering(), { objectMode: false });
  // Destroying the wrapper destroys the source (the upstream call) too.
  streamed.body.once("close", () => {
    source.destroy();
    void report(undefined);
  });
}

function streamed(
  answer: OpenedAnswer,
  headers: Record<string, string>,
  read: Buffer[],
  reason: string,
  rest?: AsyncIterator<Buffer>,
): UpstreamResponse {
  const source = answer.body;
  // Nothing read yet: the body as it is (a wrapper costs every chunk an extra hop).
  if (read.length === 0 && rest === undefined)
    return { status: answer.status, headers, body: Buffer.alloc(0), streamed: { headers: answer.headers, body: source, reason } };
  async function* all(): AsyncGenerator<Buffer> {
    try {
      yield* read;
      if (rest !== undefined) for (let next = await rest.next(); next.done !== true; next = await rest.next()) yield next.value;
    } finally {
      source.destroy();
    }
  }
  const body = Readable.from(all(), { objectMode: false });
  return { status: answer.status, headers, body: Buffer.alloc(0), streamed: { headers: answer.headers, body, reason } };
}

async function decode(body: Buffer, encoding: string | undefined, upstream: UpstreamPlan, where: string): Promise<Buffer> {
  if (encoding === undefined || encoding === "identity" || body.length === 0) return body;
  const decoder = decoders[encoding.trim().toLowerCase()];
  if (decoder === undefined) {
    throw new UpstreamError(
      "UPSTREAM_BAD_RESPONSE",
      upstream.name,
      `Upstream "${upstream.name}" answered with unsupported Content-Encoding "${encoding}".`,
      { debug: { request: where } },
    );
  }
  try {
    return await decoder(body, { maxOutputLength: upstream.maxResponseBytes });
  } catch (error) {
    if (error instanceof RangeError || (error as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE")
      throw tooLarge(upstream.name, upstream.maxResponseBytes, where);
    throw new UpstreamError(
      "UPSTREAM_BAD_RESPONSE",
      upstream.name,
      `Upstream "${upstream.name}" sent a body that does not decode as ${encoding}.`,
      { cause: error, debug: { request: where } },
    );
  }
}

function tooLarge(upstream: string, max: number, where: string): UpstreamError {
  return new UpstreamError("UPSTREAM_RESPONSE_TOO_LARGE", upstream, `Upstream "${upstream}" answered with more than ${max} bytes.`, {
    debug: { request: where },
  });
}

function flattenHeaders(raw: OpenedAnswer["headers"]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name in raw) {
    const value = raw[name];
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return headers;
}
