import type { ForwardingPolicy } from "./create-forwarding-policy.js";

/** What Trestle knows about the hop from the client to itself. */
export interface ForwardingFacts {
  /** The socket peer's address; undefined when the transport does not say (a bare fetch handler). */
  peer: string | undefined;
  /** The authority the client asked for. */
  host: string | undefined;
  proto: "http" | "https";
}

const token = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * The forwarding headers for one passthrough request (S02, H06). What the client could choose
 * is sent only where the instance says so, because the shared cache does not key on
 * `X-Forwarded-For` / `Forwarded` and upstreams build links from `X-Forwarded-Host`:
 * - `X-Forwarded-For` and `Forwarded` (RFC 7239) are chains. From a trusted proxy the
 *   client's chain is kept and Trestle's hop appended (an upstream trusts entries from the
 *   right); from any other peer the chain starts at the peer, the client's entries dropped.
 * - `X-Forwarded-Host`, `X-Forwarded-Proto` and `Forwarded: host=;proto=` are sent only when
 *   the client's `Host` is in `forwardedHosts`, in the listed spelling (the cache keys on
 *   them then); otherwise the upstream sees only its own host, as on `@rest` calls. A
 *   client's own `X-Forwarded-Host` / `-Proto` are never passed on.
 * `client` reads the request headers with the hop-by-hop ones hidden, so a chain the client
 * listed in `Connection` is not continued.
 */
export function buildForwardedHeaders(
  client: { get(name: string): string | null },
  facts: ForwardingFacts,
  policy: ForwardingPolicy,
): Record<string, string> {
  const out: Record<string, string> = {};
  const peer = facts.peer === undefined ? undefined : unmapIpv4(facts.peer);
  const trusted = policy.trusts(peer);
  const host = policy.hostFor(facts.host);
  const priorFor = trusted ? nonEmpty(client.get("x-forwarded-for")) : undefined;
  const forwardedFor = peer === undefined ? priorFor : priorFor === undefined ? peer : `${priorFor}, ${peer}`;
  if (forwardedFor !== undefined) out["x-forwarded-for"] = forwardedFor;
  if (host !== undefined) {
    out["x-forwarded-host"] = host;
    out["x-forwarded-proto"] = facts.proto;
  }

  const pairs: string[] = [];
  if (peer !== undefined) pairs.push(`for=${quote(peer.includes(":") ? `[${peer}]` : peer)}`);
  if (host !== undefined) pairs.push(`host=${quote(host)}`, `proto=${facts.proto}`);
  const priorForwarded = trusted ? nonEmpty(client.get("forwarded")) : undefined;
  const element = pairs.length === 0 ? undefined : pairs.join(";");
  const forwarded = element === undefined ? priorForwarded : priorForwarded === undefined ? element : `${priorForwarded}, ${element}`;
  if (forwarded !== undefined) out["forwarded"] = forwarded;
  return out;
}

function nonEmpty(value: string | null): string | undefined {
  return value === null || value === "" ? undefined : value;
}

/** `::ffff:127.0.0.1` (an IPv4 peer on a dual-stack socket) is reported as `127.0.0.1`. */
function unmapIpv4(address: string): string {
  return address.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address;
}

/** RFC 7239 §4: a value is a token or a quoted-string. */
function quote(value: string): string {
  return token.test(value) ? value : `"${value.replace(/["\\]/g, "\\$&")}"`;
}
