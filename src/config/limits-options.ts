/** Request-shape limits, checked before any upstream call. Every limit is on by default. */
export interface LimitsOptions {
  /** Deepest field nesting, fragments flattened, introspection aside. @default 8 */
  maxDepth?: number;
  /** Aliases in one operation. @default 15 */
  maxAliases?: number;
  /** Root fields in one operation. @default 20 */
  maxRootFields?: number;
  /** Lexical tokens in one document. @default 2000 */
  maxTokens?: number;
  /** Directives in one operation. @default 20 */
  maxDirectives?: number;
  /** Upstream calls one operation may plan (see COST_LIMIT in the README). @default 1000 */
  maxCost?: number;
  /** List size assumed by the cost rule when no first/last/limit argument states one. @default 20 */
  assumedListSize?: number;
  /** Upstream calls one operation may actually make, a hard stop at run time. @default 2000 */
  maxUpstreamCalls?: number;
  /**
   * Calls one operation may have in flight to one upstream, well below the upstream's
   * `maxConcurrency`: its further calls wait their turn inside the operation (they do not
   * fail), so one operation's fan-out cannot fill the bulkhead other clients share. @default 16
   */
  maxConcurrentCallsPerUpstream?: number;
  /** Bytes of one GraphQL request body; larger bodies get 413 before they are parsed. @default 1048576 (1 MiB) */
  maxRequestBytes?: number;
  /** Subscriptions open at once on this instance, over SSE and WebSocket together; more get SUBSCRIPTION_LIMIT. @default 1000 */
  maxSubscriptions?: number;
  /** Polling loops (`@rest(poll:)`, one per read however many subscribe) running at once; more get SUBSCRIPTION_LIMIT. @default 1000 */
  maxPollLoops?: number;
  /**
   * WebSocket connections open at once on this instance (each holds a socket and its buffers
   * whether or not it runs anything); further upgrades get 503 with `Retry-After`. @default 2000
   */
  maxWebSocketConnections?: number;
}

export type NormalizedLimits = Required<LimitsOptions>;

export const defaultLimits: NormalizedLimits = {
  maxDepth: 8,
  maxAliases: 15,
  maxRootFields: 20,
  maxTokens: 2000,
  maxDirectives: 20,
  maxCost: 1000,
  assumedListSize: 20,
  maxUpstreamCalls: 2000,
  maxConcurrentCallsPerUpstream: 16,
  maxRequestBytes: 1024 * 1024,
  maxSubscriptions: 1000,
  maxPollLoops: 1000,
  maxWebSocketConnections: 2000,
};
