import { Client, Pool, type Dispatcher } from "undici";
import type { UpstreamPlan } from "../plan/schema-plan.js";

/**
 * A Client whose refusals do not cost the pool a connection. undici 7's Pool takes a `false`
 * from `Client.dispatch` to mean "busy until you hear 'drain'". But a client that refuses a
 * request outright (an invalid header, method or body: `InvalidArgumentError`, reported to the
 * handler's `onError`) also returns false, with nothing queued, so no 'drain' ever comes: the
 * pool never uses that client again, and once `connections` of them are lost every later
 * request waits in the pool's queue forever, deaf to its abort signal
 * (docs/undici-pool-leak.md). A client with nothing queued or running is not busy: say so.
 */
class RefusalSafeClient extends Client {
  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    return super.dispatch(options, handler) || this.stats.size === 0;
  }
}

/**
 * One upstream's keep-alive pool: `maxConcurrency` connections, undici's own timers at `timeoutMs`.
 * `streams`: the pool of its open streams instead (UpstreamClient.openStream): `maxStreams`
 * connections and no body timer, since a subscriber that reads slowly pauses the body and the
 * stream's reader times only the silences it waits through.
 */
export function createPool(upstream: UpstreamPlan, streams: { maxStreams: number } | undefined = undefined): Pool {
  return new Pool(upstream.origin, {
    connections: streams?.maxStreams ?? upstream.resilience.maxConcurrency,
    keepAliveTimeout: 4_000,
    headersTimeout: upstream.timeoutMs,
    bodyTimeout: streams === undefined ? upstream.timeoutMs : 0,
    connect: { timeout: upstream.connectTimeoutMs },
    factory: (origin, options) => new RefusalSafeClient(origin, options as Client.Options),
  });
}
