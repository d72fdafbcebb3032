import { Readable } from "node:stream";
import type { ExecutionResult } from "graphql";

/** A comment line: written first (the client sees the stream open) and every {@link ssePingMs} while idle. */
export const ssePing = ":\n\n";
/** graphql-sse's last message of a distinct connection. */
export const sseComplete = "event: complete\ndata:\n\n";
/** How often an idle stream gets a comment, so proxies keep it open (yoga's interval). */
export const ssePingMs = 12_000;

/** The head of every GraphQL-over-SSE answer (yoga's, so clients and proxies see what they saw). */
export function sseHeaders(): Record<string, string> {
  return { "content-type": "text/event-stream", connection: "keep-alive", "cache-control": "no-cache", "content-encoding": "none" };
}

/** One `next` message: the result's JSON on one `data:` line (JSON text has no raw newline). */
export function sseNext(json: string): string {
  return `event: next\ndata: ${json}\n\n`;
}

/**
 * A subscription's results as a GraphQL-over-SSE body (graphql-sse's "distinct connections"
 * framing): a comment, one `event: next` per result, `event: complete` when the results end.
 * The first result is asked for as the head goes out (the upstream call opens then, not before:
 * a client sees its stream open before the upstream sees the call), each later one only when
 * the reader wants more (a slow client slows the upstream read).
 * Destroying the body (the client left, a Response cancelled) ends the results (`return()`),
 * which aborts the upstream call.
 */
export function createSseBody(results: AsyncIterator<ExecutionResult>, serialize: (result: ExecutionResult) => string): Readable {
  let pulling = false;
  let done = false;
  const body = new Readable({
    read() {
      if (pulling || done) return;
      pulling = true;
      results.next().then(
        (step) => {
          pulling = false;
          if (body.destroyed) return;
          if (step.done === true) {
            done = true;
            clearInterval(ping);
            body.push(sseComplete);
            body.push(null);
          } else body.push(sseNext(serialize(step.value)));
        },
        (error: unknown) => body.destroy(error instanceof Error ? error : new Error(String(error))),
      );
    },
    destroy(error, callback) {
      clearInterval(ping);
      if (!done) {
        done = true;
        void results.return?.().catch(() => undefined);
      }
      callback(error);
    },
  });
  body.push(ssePing);
  const ping = setInterval(() => {
    if (body.readableLength === 0) body.push(ssePing);
  }, ssePingMs);
  ping.unref();
  return body;
}
