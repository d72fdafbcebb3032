import type { CachePolicy } from "../plan/cache-policy.js";
import type { UpstreamRequest } from "../upstream/upstream-request.js";
import type { CacheStatus } from "./cache-status.js";
import { readInputs, setOperationReadFacts } from "./operation-read-facts.js";
import { readClientVary } from "./read-client-vary.js";
import type { CacheEntry } from "./response-cache.js";

/** Fills a read's CacheStatus from the entry that answered it: freshness left, age, scope, and the client headers it varies on. */
export function describeEntry(status: CacheStatus, entry: CacheEntry, at: number, request: UpstreamRequest, policy: CachePolicy): void {
  status.maxAge = Math.max(0, Math.floor((entry.freshUntil - at) / 1000));
  status.age = Math.max(0, Math.floor((at - entry.bornAt) / 1000));
  const vary = entry.scope === "public" && !policy.personal ? readClientVary(entry, request, policy) : null;
  status.scope = vary === null ? "private" : "public";
  if (vary !== null && vary.length > 0) status.vary = vary;
  setOperationReadFacts(status, {
    freshUntil: entry.freshUntil,
    upstream: entry.upstream,
    pathname: entry.pathname,
    inputs: readInputs(entry.vary, policy),
  });
}
