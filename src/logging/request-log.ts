/** What a log line reads of one upstream call record (the operation context's UpstreamCallRecord). */
export interface LoggedCall {
  /** HTTP status, or the error code when no answer came. */
  readonly status: number | string;
  readonly cache?: { readonly status?: string | undefined } | undefined;
}

/**
 * What one request leaves for its log line, beyond what the route table knows (method, route,
 * status, duration): filled as the request runs, made only when a logger is set. Holds
 * references, never copies: the operation's call records are read once, when the line is written.
 */
export class RequestLog {
  /** The GraphQL operation's name (the request's `operationName`, or the parsed operation's own); never its text. */
  operation: string | undefined = undefined;
  /** The calls of every operation context this request made (an MCP batch can make more than one). */
  calls: (readonly LoggedCall[])[] | undefined = undefined;
  /** The answer's text, when it was one short string (Trestle's own JSON): read for an error's code, only when there is an error. */
  body: string | undefined = undefined;
  /** The answer is an RFC 9457 problem (Trestle's own on the passthrough route). */
  problem = false;
  /** Answered whole from the result cache (`hit`) or by an identical operation running at the same time (`coalesced`): no call of its own. */
  operationCache: "hit" | "coalesced" | undefined = undefined;
  /** The trace the request ran in (its span's, or OpenTelemetry's active span's), when one was active and sampled. */
  traceId: string | undefined = undefined;

  /** An operation context of this request: its calls are counted when the line is written. */
  attach(calls: readonly LoggedCall[]): void {
    (this.calls ??= []).push(calls);
  }
}
