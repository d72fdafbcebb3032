import type { IncomingMessage } from "node:http";

export interface RequestBody {
  /** The body as UTF-8 text; empty when it was over the limit. */
  text: string;
  tooLarge: boolean;
  /** The body as bytes (for multipart uploads); empty when it was over the limit. */
  bytes: Buffer;
}

/**
 * Reads a request body, keeping at most `limit` bytes. Past the limit the rest is
 * still read and dropped: answering 413 while the client is still sending would
 * reset the connection before it reads the answer.
 */
export function readRequestBody(request: IncomingMessage, limit: number): Promise<RequestBody> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) chunks.length = 0;
      else chunks.push(chunk);
    });
    request.on("end", () => {
      const tooLarge = size > limit;
      const bytes = tooLarge ? Buffer.alloc(0) : Buffer.concat(chunks);
      resolve({ text: bytes.toString("utf8"), tooLarge, bytes });
    });
    request.on("error", reject);
  });
}
