import type { UpstreamRequest } from "../upstream/upstream-request.js";
import type { CachePolicy } from "../plan/cache-policy.js";
import type { CacheEntry } from "./response-cache.js";

/**
 * The client request headers a public answer depends on, for the GraphQL response's `Vary`
 * (S04): those behind the varying headers of its key and behind the upstream's own `Vary`
 * and, unless the schema shares it across identities, those behind its identity headers (an
 * answer made without credentials is not the answer to a request with them). Null when one of
 * them comes from `{context.X}`: no cache in front can vary on that, so the answer is private.
 */
export function readClientVary(entry: CacheEntry, request: UpstreamRequest, policy: CachePolicy): string[] | null {
  const names = new Set<string>();
  const add = (header: string): boolean => {
    const sources = policy.clientSources.get(header);
    if (sources === null) return false;
    for (const source of sources ?? []) names.add(source);
    return true;
  };
  for (const header in request.headers) {
    if (policy.constantHeaders.has(header)) continue;
    if (policy.identityHeaders.has(header) && policy.scope === "PUBLIC") continue;
    if (!add(header)) return null;
  }
  if (policy.scope !== "PUBLIC") for (const header of policy.identityHeaders) if (!add(header)) return null;
  for (const header of entry.vary) if (!add(header)) return null;
  return [...names].sort();
}
