import type { CachePolicy } from "../plan/cache-policy.js";
import type { UpstreamRequest } from "../upstream/upstream-request.js";
import type { UpstreamResponse } from "../upstream/upstream-client.js";
import type { ClientSignal } from "../upstream/client-signal.js";
import type { CacheStatus } from "./cache-status.js";
import { mayDedupe } from "./create-dedupe-send.js";
import { readVary } from "./build-cache-entry.js";
import { readInputs } from "./operation-read-facts.js";

/** The pipeline's send, as the operation context calls it. */
type Send = (request: UpstreamRequest, status?: CacheStatus, signal?: ClientSignal) => Promise<UpstreamResponse>;

/**
 * Reads marked `dedupe` (a GraphQL field's, which carries its policy), keyed by the CacheStatus
 * their call record keeps: the lower-case client headers the read's request and answer depend
 * on, or null when its answer may not be given to another caller. Operation flights
 * (src/execution/create-operation-flights.ts) read it; the debug extension shows nothing new.
 */
const inputsOf = new WeakMap<CacheStatus, readonly string[] | null>();

/** The client headers a `dedupe` read depends on; null: not shareable; undefined: not a `dedupe` read (or not seen). */
export function getDedupeReadInputs(status: CacheStatus): readonly string[] | null | undefined {
  return inputsOf.get(status);
}

/**
 * `send`, noting what every `dedupe` GET/HEAD read (field policy `dedupe: true`) depended on. Reads
 * without `dedupe` are passed through as they are (no extra promise). A `dedupe` read that the
 * cache did not describe (with `cache.enabled` false, the caller that sent it) reports `miss`.
 */
export function noteDedupeReads(send: Send): Send {
  return (request, status, signal) => {
    const policy = request.cache;
    if (status === undefined || policy?.dedupe !== true || (request.method !== "GET" && request.method !== "HEAD"))
      return send(request, status, signal);
    return send(request, status, signal).then((response) => {
      status.status ??= "miss";
      inputsOf.set(status, readDedupeInputs(response, request, policy));
      return response;
    });
  };
}

/**
 * Every client header a `dedupe` read may depend on, sent this time or not, as the result cache
 * counts them (readInputs). Null when the answer may not be shared (`mayDedupe`: a cookie,
 * `Vary: *`, streamed), a rule reads `{context.X}`, or the read's path or body reads the caller.
 */
export function readDedupeInputs(response: UpstreamResponse, request: UpstreamRequest, policy: CachePolicy): string[] | null {
  if (!mayDedupe(response, request.headers, request.headers)) return null;
  const vary = readVary(response.headers["vary"]);
  return vary === "*" ? null : readInputs(vary, policy);
}
