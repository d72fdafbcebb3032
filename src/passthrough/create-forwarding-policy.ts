import { BlockList, isIP } from "node:net";
import type { PassthroughOptions } from "../config/passthrough-options.js";
import { TrestleError } from "../errors.js";

/** What may be forwarded about the client's hop, decided once per instance. */
export interface ForwardingPolicy {
  /** The allow-listed spelling of a client `Host`, or undefined when it is not forwarded. */
  hostFor(host: string | undefined): string | undefined;
  /** Whether the client's forwarding chain is continued for a request from this peer. */
  trusts(peer: string | undefined): boolean;
}

const authority = /^(?:[a-z0-9-]+(?:\.[a-z0-9-]+)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/;

/**
 * Builds the policy from `createTrestle({ passthrough })`, checking every entry: a host must be
 * a plain authority (`api.example.com`, `api.example.com:8443`, `[::1]:4000`), a proxy an IP
 * address, a CIDR range (`10.0.0.0/8`, `fd00::/8`) or `"*"`.
 */
export function createForwardingPolicy(options: PassthroughOptions = {}): ForwardingPolicy {
  const hosts = new Map<string, string>();
  for (const entry of options.forwardedHosts ?? []) {
    const host = typeof entry === "string" ? entry.toLowerCase() : "";
    if (!authority.test(host)) {
      throw new TrestleError(
        "CONFIG_INVALID",
        `passthrough.forwardedHosts entries must be host names with an optional port ("api.example.com:8443"), received ${JSON.stringify(entry)}`,
      );
    }
    hosts.set(host, host);
  }
  const proxies = new BlockList();
  let anyPeer = false;
  let listed = 0;
  for (const entry of options.trustedProxies ?? []) {
    if (entry === "*") anyPeer = true;
    else if (addProxy(proxies, entry)) listed++;
    else {
      throw new TrestleError(
        "CONFIG_INVALID",
        `passthrough.trustedProxies entries must be IP addresses, CIDR ranges ("10.0.0.0/8") or "*", received ${JSON.stringify(entry)}`,
      );
    }
  }
  return {
    hostFor: (host) => (host === undefined || hosts.size === 0 ? undefined : hosts.get(host.toLowerCase())),
    trusts: (peer) => {
      if (anyPeer) return true;
      if (peer === undefined || listed === 0) return false;
      const family = isIP(peer);
      return family !== 0 && proxies.check(peer, family === 4 ? "ipv4" : "ipv6");
    },
  };
}

function addProxy(proxies: BlockList, entry: unknown): boolean {
  if (typeof entry !== "string") return false;
  const [address = "", bits, extra] = entry.split("/");
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  const type = family === 4 ? "ipv4" : "ipv6";
  if (bits === undefined) {
    proxies.addAddress(address, type);
    return true;
  }
  const prefix = /^\d{1,3}$/.test(bits) ? Number(bits) : -1;
  if (prefix < 0 || prefix > (family === 4 ? 32 : 128)) return false;
  proxies.addSubnet(address, prefix, type);
  return true;
}
