import type { CachePolicy } from "../plan/cache-policy.js";
import type { CacheControl } from "./parse-cache-control.js";

/** When a stored answer is fresh, and how long past that it may still be served. Times in ms on the cache's clock. */
export interface Freshness {
  /** The answer was generated at this time (our clock): now − bornAt is its current age. */
  bornAt: number;
  /** Fresh before this time; stale from it on. */
  freshUntil: number;
  /** Stale answers may be served while one background refresh runs, this long past `freshUntil`. */
  staleWhileRevalidate: number;
  /** Stale answers may be served when the upstream fails, this long past `freshUntil`. */
  staleIfError: number;
}

export interface FreshnessInput {
  /** Response headers (lower-case names). */
  headers: Readonly<Record<string, string>>;
  control: CacheControl;
  policy: CachePolicy;
  /** When the request was sent and the answer received, on the cache's clock. */
  requestTime: number;
  responseTime: number;
  /** Stale-if-error window for answers that give none, seconds. */
  staleIfErrorSeconds: number;
}

/**
 * RFC 9111 §4.2. The freshness lifetime is `@cache(maxAge:)` when the schema gives one
 * (counted from the answer's arrival: the schema speaks for Trestle's copy), else
 * `s-maxage`, else `max-age`, else `Expires` − `Date` (§4.2.1); without `maxAge`, `no-cache`
 * makes it 0 so every use revalidates. The age is the corrected initial age of §4.2.3 — the larger of
 * the apparent age (arrival − `Date`) and `Age` plus the response delay — so an answer
 * that was already old when it arrived (from a CDN, or a skewed `Date`) is fresh for less.
 * No heuristic freshness (§4.2.2): an answer without any is only kept to be revalidated.
 * `no-cache`, `must-revalidate` and `proxy-revalidate` forbid serving it stale (§4.2.4).
 */
export function computeFreshness(input: FreshnessInput): Freshness {
  const { headers, control, policy, requestTime, responseTime } = input;
  let bornAt: number;
  let lifetime: number | undefined;
  if (policy.maxAge !== undefined) {
    bornAt = responseTime;
    lifetime = policy.maxAge * 1000;
  } else {
    const date = readHttpDate(headers["date"]) ?? responseTime;
    const apparentAge = Math.max(0, responseTime - date);
    const ageHeader = headers["age"];
    const ageValue = ageHeader !== undefined && /^\d+$/.test(ageHeader.trim()) ? Number(ageHeader.trim()) * 1000 : 0;
    bornAt = responseTime - Math.max(apparentAge, ageValue + (responseTime - requestTime));
    const seconds = control.sMaxAge ?? control.maxAge;
    if (seconds !== undefined) lifetime = seconds * 1000;
    else if (headers["expires"] !== undefined) lifetime = Math.max(0, (readHttpDate(headers["expires"]) ?? date) - date);
  }
  // The schema's maxAge wins over `no-cache` as over `no-store` (C18); `must-revalidate` still forbids stale.
  const noCache = control.noCache && policy.maxAge === undefined;
  if (noCache) lifetime = 0;
  const noStale = noCache || control.mustRevalidate;
  const swr = policy.staleWhileRevalidate ?? control.staleWhileRevalidate ?? 0;
  const sie = control.staleIfError ?? input.staleIfErrorSeconds;
  return {
    bornAt,
    freshUntil: bornAt + (lifetime ?? 0),
    staleWhileRevalidate: noStale ? 0 : swr * 1000,
    staleIfError: noStale ? 0 : sie * 1000,
  };
}

/** An HTTP-date (RFC 9110 §5.6.7); an invalid one (`Expires: 0`) reads as undefined. */
function readHttpDate(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : time;
}
