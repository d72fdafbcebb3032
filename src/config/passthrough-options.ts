/**
 * Instance-wide settings of the `/rest/<upstream>/*` routes (each upstream opens its routes
 * with `@upstream(passthrough:)`). They decide which facts about the client's hop reach the
 * upstream: by default none the client could choose (S02).
 */
export interface PassthroughOptions {
  /**
   * The public hosts of this Trestle (`Host` authorities, port included when the client sends
   * one), compared case-insensitively. Only a request whose `Host` is listed here sends its
   * host upstream, as `X-Forwarded-Host`, `X-Forwarded-Proto` and `Forwarded: host=;proto=`,
   * in the spelling listed; those reads are cached per host. Any other `Host` is not
   * forwarded (the upstream sees only its own), so a client cannot make an upstream that
   * builds links from `X-Forwarded-Host` store an answer pointing at a host of its choice.
   * @default [] (no client host is ever forwarded)
   * @example ["api.example.com", "api.example.com:8443"]
   */
  forwardedHosts?: readonly string[];
  /**
   * Peers (IP addresses or CIDR ranges; `"*"` for any, also when the transport knows no peer)
   * whose `X-Forwarded-For` / `Forwarded` chain is continued, Trestle's hop appended. A
   * request from any other peer starts a new chain at that peer: the client's own entries
   * are dropped, never passed on.
   * @default [] (every chain starts at the socket peer)
   * @example ["10.0.0.0/8", "::1"]
   */
  trustedProxies?: readonly string[];
}
