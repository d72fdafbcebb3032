import { BadUserInputError } from "../errors.js";
import { checkHeaderValue, headerValueContract } from "../upstream/check-header-value.js";
import type { HeaderReader } from "./strip-hop-by-hop.js";

/**
 * Client headers forwarded without a rule: content negotiation and preconditions. They shape
 * which representation comes back and carry no identity. `accept-language`,
 * `accept-encoding` (the upstream then answers uncompressed, and Trestle never decodes a
 * passthrough body), `user-agent`, cookies and credentials go only when a header rule
 * declares them.
 */
const negotiationHeaders = ["accept", "if-match", "if-none-match", "if-modified-since", "if-unmodified-since", "range", "if-range"];

const decimal = /^\d+$/;

/**
 * The headers sent upstream, built from nothing: the upstream's declared header rules
 * (already rendered: `declared`, which is extended in place), the negotiation headers above,
 * and — only when a body is sent — the fields that describe it: `content-type`,
 * `content-encoding`, and `content-length` when it is a plain decimal (otherwise the body goes
 * chunked). `Host` is never copied (the upstream's own is sent), nor any hop-by-hop field:
 * `client` hides them. A copied value outside RFC 9110's field-value grammar (a control
 * character; above U+00FF) is refused with BAD_USER_INPUT: nothing is sent.
 */
export function buildUpstreamHeaders(declared: Record<string, string>, client: HeaderReader, sendsBody: boolean): Record<string, string> {
  const out = declared;
  for (const name of negotiationHeaders) copy(out, client, name);
  if (!sendsBody) return out;
  copy(out, client, "content-type");
  copy(out, client, "content-encoding");
  const length = client.get("content-length");
  if (length !== null && decimal.test(length)) out["content-length"] = length;
  return out;
}

function copy(out: Record<string, string>, client: HeaderReader, name: string): void {
  if (name in out) return;
  const value = client.get(name);
  if (value === null) return;
  const problem = checkHeaderValue(value);
  if (problem !== undefined) {
    throw new BadUserInputError(
      `Header "${name}" of the request cannot be forwarded: it contains ${problem}: ${headerValueContract}; nothing was sent.`,
      { extensions: { header: name } },
    );
  }
  out[name] = value;
}
