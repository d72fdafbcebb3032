import { TrestleError } from "../errors.js";
import { createOperationContext, type OperationContext, type OperationLimits } from "../loader/operation-context.js";
import type { UpstreamPipeline } from "../pipeline/upstream-pipeline.js";
import type { UpstreamPlan } from "../plan/schema-plan.js";
import { upstreamDefaults } from "../plan/upstream-defaults.js";
import type { ClientSignal } from "../upstream/client-signal.js";
import type { UpstreamRequest } from "../upstream/upstream-request.js";
import type { UpstreamStream } from "../upstream/stream-upstream.js";

/**
 * The instance's open subscriptions (`@rest(stream:)` fields), whatever their transport (SSE or
 * WebSocket): their budgets, their upstream calls, and their end when the instance closes.
 */
export interface SubscriptionStreams {
  /**
   * Counts one subscription against `limits.maxSubscriptions` and its upstream's `maxStreams`,
   * or throws SUBSCRIPTION_LIMIT past either (and once the instance is closing). `end` is run
   * by `close()`. Returns the release, which may be called more than once.
   */
  reserve(upstream: UpstreamPlan | undefined, end: () => void): () => void;
  /** The subscription's one upstream call, never cached, counted in the metrics: see UpstreamClient.openStream. */
  open(request: UpstreamRequest, signal: ClientSignal): Promise<UpstreamStream>;
  /** A new operation context for one payload: the same headers, env, values and signal, its own loaders. */
  fresh(operation: OperationContext): OperationContext;
  /** Subscriptions open now (the `trestle_subscriptions_open` gauge). */
  readonly count: number;
  /** Ends every open subscription (they complete) and refuses new ones. */
  close(): void;
}

export function createSubscriptionStreams(
  pipeline: Pick<UpstreamPipeline, "openStream" | "send">,
  maxSubscriptions: number,
  limits: Partial<OperationLimits>,
): SubscriptionStreams {
  const open = new Set<() => void>();
  const perUpstream = new Map<string, number>();
  let closing = false;
  return {
    reserve(upstream, end) {
      // No upstream: a `poll:` subscriber, counted toward maxSubscriptions only (its reads take ordinary slots).
      const name = upstream?.name ?? "";
      const maxStreams =
        upstream === undefined ? Number.POSITIVE_INFINITY : (upstream.resilience.maxStreams ?? upstreamDefaults.maxStreams);
      const streams = perUpstream.get(name) ?? 0;
      if (closing) throw new TrestleError("SUBSCRIPTION_LIMIT", "The server is shutting down; it takes no new subscriptions.");
      if (open.size >= maxSubscriptions)
        throw new TrestleError(
          "SUBSCRIPTION_LIMIT",
          `This server has ${maxSubscriptions} subscriptions open, its limit (limits.maxSubscriptions); try again later.`,
        );
      if (streams >= maxStreams)
        throw new TrestleError(
          "SUBSCRIPTION_LIMIT",
          `Upstream "${name}" has ${maxStreams} streams open, its limit (@upstream maxStreams); try again later.`,
          { extensions: { upstream: name } },
        );
      perUpstream.set(name, streams + 1);
      open.add(end);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        open.delete(end);
        perUpstream.set(name, (perUpstream.get(name) ?? 1) - 1);
      };
    },
    open: (request, signal) => pipeline.openStream(request, signal),
    fresh: (operation) =>
      createOperationContext(
        { headers: operation.headers, env: operation.env, values: operation.values, signal: operation.signal },
        pipeline.send,
        limits,
      ),
    get count() {
      return open.size;
    },
    close() {
      closing = true;
      for (const end of [...open]) end();
    },
  };
}
