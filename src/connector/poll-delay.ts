import { parseCacheControl } from "../cache/parse-cache-control.js";
import { upstreamDefaults } from "../plan/upstream-defaults.js";
import { parseRetryAfter } from "../upstream/create-resilience.js";

/** Consecutive failed reads after which a poll ends with an error payload carrying the last code. */
export const maxPollFailures = 5;

/** The longest an answer's `Retry-After` or `max-age` may slow a loop: one hour. */
export const maxPollDelayMs = 3_600_000;

/**
 * The wait before a loop's next read, never less than `everyMs`. An answer's `Retry-After`
 * (on a 429 or 503) or `max-age` (less its `Age`) slows it to that, never speeds it. After
 * `failures` consecutive failed reads, the upstream's retry backoff is added:
 * `backoffMs × 2^(failures−1)`, at most `maxBackoffMs` (2 s). Capped at one hour.
 */
export function nextPollDelay(
  everyMs: number,
  headers: Readonly<Record<string, string>> | undefined,
  status: number | undefined,
  failures: number,
  backoffMs: number,
): number {
  let wait = everyMs;
  if (failures > 0) wait += Math.min(upstreamDefaults.maxBackoffMs, backoffMs * 2 ** (failures - 1));
  if (headers !== undefined) {
    if (status === 429 || status === 503) wait = Math.max(wait, parseRetryAfter(headers["retry-after"]) ?? 0);
    if (status !== undefined && status >= 200 && status < 300) {
      const control = parseCacheControl(headers["cache-control"]);
      const age = Number(headers["age"] ?? 0);
      const maxAge = control.noStore || control.noCache ? undefined : (control.sMaxAge ?? control.maxAge);
      if (maxAge !== undefined) wait = Math.max(wait, (maxAge - (Number.isFinite(age) ? age : 0)) * 1000);
    }
  }
  return Math.min(Math.max(wait, everyMs), Math.max(everyMs, maxPollDelayMs));
}
