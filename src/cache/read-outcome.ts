import type { UpstreamResponse } from "../upstream/upstream-client.js";
import type { CacheEntry } from "./response-cache.js";

/** A stored entry found for a request, and the key it was found at. */
export interface Found {
  entry: CacheEntry;
  key: string;
}

/** What one upstream exchange for a read gave: the answer to serve and, when stored, its entry. */
export interface Outcome {
  response: UpstreamResponse;
  entry: CacheEntry | undefined;
  /** `coalesced`: another replica's call, read from the second tier (create-tier-reads.ts). */
  status: "miss" | "revalidated" | "stale" | "coalesced";
  notStored?: string;
  /** Whether callers that coalesced onto this exchange may be given the same answer. */
  reusable: boolean;
}
