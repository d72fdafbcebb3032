import type { CachePolicy } from "../plan/cache-policy.js";
import type { CacheStatus } from "./cache-status.js";

/**
 * What the result cache (src/execution/create-operation-results.ts) needs to know of one read served from, or
 * stored in, the shared cache: until when its answer is fresh, what purges match it, and the
 * client request headers that chose it. Kept beside the read's CacheStatus (not in it, so the
 * debug extension and Cache-Status show nothing new).
 */
export interface OperationReadFacts {
  /** Milliseconds since the epoch (the cache's clock): the entry's freshness ends. */
  freshUntil: number;
  upstream: string;
  /** The read's path without its query, as purges match it. */
  pathname: string;
  /**
   * Lower-case names of the client headers the answer depends on (its key's varying and
   * identity headers, its `Vary`), or null when one of them comes from `{context.X}` or the
   * read's path reads the caller: then no operation result built on it is kept.
   */
  inputs: readonly string[] | null;
}

const facts = new WeakMap<CacheStatus, OperationReadFacts>();

export function setOperationReadFacts(status: CacheStatus, read: OperationReadFacts): void {
  facts.set(status, read);
}

/** The facts of a read that a stored entry answered (hit, revalidated, stored miss, coalesced onto one); else undefined. */
export function getOperationReadFacts(status: CacheStatus): OperationReadFacts | undefined {
  return facts.get(status);
}

/**
 * Every client header a read's request or answer may depend on, sent this time or not: the
 * sources of every header rule that forwards from the client (identity ones too, unless the
 * schema shares the answer across identities with `scope: PUBLIC`) and of the headers its
 * `Vary` names (`vary`: lower-case). Null when a rule reads `{context.X}` or the read's path or body reads the caller.
 */
export function readInputs(vary: readonly string[], policy: CachePolicy): string[] | null {
  if (policy.personal) return null;
  const names = new Set<string>();
  for (const [header, sources] of policy.clientSources) {
    if (sources === null) return null;
    if (policy.scope === "PUBLIC" && policy.identityHeaders.has(header) && !vary.includes(header)) continue;
    for (const source of sources) names.add(source.toLowerCase());
  }
  for (const header of vary) {
    const sources = policy.clientSources.get(header);
    if (sources === null) return null;
    for (const source of sources ?? []) names.add(source.toLowerCase());
  }
  return [...names];
}
