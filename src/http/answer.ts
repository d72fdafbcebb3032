import type { Readable } from "node:stream";

/**
 * What every route answers, transport-neutral: written to node:http by writeNodeAnswer, made a
 * WHATWG Response by toResponse. Built by the route; the route table adds the CORS headers.
 */
export interface Answer {
  status: number;
  /** Lower-case names; repeated headers (Set-Cookie) as lists. */
  headers: Record<string, string | string[]>;
  /** A whole text (written with its length in one write), a stream to pipe (Node's or WHATWG's), or null for no body. */
  body: string | Readable | ReadableStream<Uint8Array> | null;
}

/** A WHATWG Response (yoga's) as an Answer; its body streams on. */
export function answerFromResponse(response: Response): Answer {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie") headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers["set-cookie"] = cookies;
  return { status: response.status, headers, body: response.body };
}

/** Destroys (or cancels) an answer's stream that will not be written. */
export function discardAnswer(answer: Answer): void {
  const { body } = answer;
  if (body === null || typeof body === "string") return;
  if (body instanceof ReadableStream) void body.cancel().catch(() => undefined);
  else body.destroy();
}
