import { BadUserInputError } from "../errors.js";
import { checkHeaderValue, headerValueContract } from "./check-header-value.js";

/**
 * The last check before a request is handed to the HTTP client: every header value inside
 * RFC 9110's field-value grammar (see checkHeaderValue). Rendered rules, forwarded client
 * headers and the hook's headers were each checked where they were made, with a message
 * naming their field or rule; this catches whatever else reaches the wire (the forwarding
 * chains `X-Forwarded-For` and `Forwarded` carry the client's earlier hops). A value that
 * fails is the client's (nothing else is unchecked): BAD_USER_INPUT, and nothing is sent.
 */
export function assertSendableHeaders(headers: Readonly<Record<string, string>>, upstream: string): void {
  for (const name in headers) {
    const problem = checkHeaderValue(headers[name]!);
    if (problem !== undefined) {
      throw new BadUserInputError(
        `Header "${name}" for upstream "${upstream}" would contain ${problem}: ${headerValueContract}; nothing was sent.`,
        {
          extensions: { header: name, upstream },
        },
      );
    }
  }
}
