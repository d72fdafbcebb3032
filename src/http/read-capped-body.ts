import type { IncomingMessage } from "node:http";

/**
 * The one way Trestle reads a request body whole: up to `max` bytes, or undefined as soon as
 * it passes `max` — nothing more is read or kept. Three sources, one rule:
 * `readCappedChunks` for any async iterable (passthrough's small bodies, WHATWG streams),
 * `readCappedFetchBody` for a WHATWG Request, `readCappedNodeBody` for node:http (the rest of a
 * refused body is left unread, for lingerClose to drain while the 413 goes out).
 */
export async function readCappedChunks(source: AsyncIterable<Uint8Array>, max: number): Promise<Buffer | undefined> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of source) {
    size += chunk.byteLength;
    if (size > max) return undefined;
    chunks.push(chunk);
  }
  return chunks.length === 1 ? Buffer.from(chunks[0]!.buffer, chunks[0]!.byteOffset, chunks[0]!.byteLength) : Buffer.concat(chunks, size);
}

/** A WHATWG Request's body (empty when it has none); the stream is cancelled past `max`. */
export async function readCappedFetchBody(request: Request, max: number): Promise<Buffer | undefined> {
  if (request.body === null) return Buffer.alloc(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(chunks, size);
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
}

/** A node:http request's body; rejects when the client leaves mid-body (nothing to answer, nothing to run). */
export function readCappedNodeBody(req: IncomingMessage, max: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= max) return void chunks.push(chunk);
      // Past the limit nothing more is kept or waited for: the 413 goes out now.
      req.off("data", onData);
      resolve(undefined);
    };
    // `on`, not `once`: each fires at most once that matters (a promise settles once), and no wrapper is made per request.
    req.on("data", onData);
    req.on("end", () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
    // A client gone mid-body is an `error` (ECONNRESET "aborted", emitted to a listener since Node 16): no `aborted` listener needed.
    req.on("error", reject);
  });
}
