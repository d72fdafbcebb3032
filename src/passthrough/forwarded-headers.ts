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
 * The forwarding headers for one passthrough request. `X-Forwarded-For` and `Forwarded`
 * (RFC 7239) are chains: the client's value is kept as the earlier hops and Trestle's hop is
 * appended last, so an upstream must trust only the entries its own proxies added, from the
 * right (H06). `X-Forwarded-Host` and `X-Forwarded-Proto` describe this hop alone and replace
 * whatever the client sent. `client` reads the request headers with the hop-by-hop ones
 * hidden, so a chain the client listed in `Connection` is not continued.
 */
export function buildForwardedHeaders(client: { get(name: string): string | null }, facts: ForwardingFacts): Record<string, string> {
  const out: Record<string, string> = {};
  const peer = facts.peer === undefined ? undefined : unmapIpv4(facts.peer);
  const priorFor = client.get("x-forwarded-for");
  const forwardedFor = peer === undefined ? priorFor : priorFor === null || priorFor === "" ? peer : `${priorFor}, ${peer}`;
  if (forwardedFor !== null) out["x-forwarded-for"] = forwardedFor;
  out["x-forwarded-proto"] = facts.proto;
  if (facts.host !== undefined) out["x-forwarded-host"] = facts.host;

  let element = peer === undefined ? "" : `for=${quote(peer.includes(":") ? `[${peer}]` : peer)};`;
  if (facts.host !== undefined) element += `host=${quote(facts.host)};`;
  element += `proto=${facts.proto}`;
  const priorForwarded = client.get("forwarded");
  out["forwarded"] = priorForwarded === null || priorForwarded === "" ? element : `${priorForwarded}, ${element}`;
  return out;
}

/** `::ffff:127.0.0.1` (an IPv4 peer on a dual-stack socket) is reported as `127.0.0.1`. */
function unmapIpv4(address: string): string {
  return address.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address;
}

/** RFC 7239 §4: a value is a token or a quoted-string. */
function quote(value: string): string {
  return token.test(value) ? value : `"${value.replace(/["\\]/g, "\\$&")}"`;
}
