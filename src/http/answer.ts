import type { ServerResponse } from "node:http";
import { withVary } from "./with-vary.js";

/** A whole answer, transport-neutral: written to node:http ({@link sendAnswer}) or made a Response ({@link toResponse}). */
export interface Answer {
  status: number;
  /** Lower-case names. */
  headers: Record<string, string>;
  body: string | null;
}

/** Writes an answer with a known length in one write (no chunked framing), keeping any Vary already set. */
export function sendAnswer(res: ServerResponse, answer: Answer): void {
  const headers = answer.body === null ? answer.headers : { ...answer.headers, "content-length": String(Buffer.byteLength(answer.body)) };
  res.writeHead(answer.status, withVary(res, headers)).end(answer.body ?? undefined);
}

/** The same answer as a WHATWG Response. */
export function toResponse(answer: Answer): Response {
  return new Response(answer.body, { status: answer.status, headers: answer.headers });
}
