/** The response `Cache-Control` directives Trestle acts on (RFC 9111 §5.2.2, RFC 5861). */
export interface CacheControl {
  /** `max-age`, seconds. */
  maxAge: number | undefined;
  /** `s-maxage`, seconds: for shared caches, wins over `max-age`. */
  sMaxAge: number | undefined;
  noStore: boolean;
  /** `no-cache`, with or without field names: every use needs a successful revalidation. */
  noCache: boolean;
  /** `private`, with or without field names: never shared between identities. */
  private: boolean;
  public: boolean;
  /** `must-revalidate` or `proxy-revalidate`: never served stale. */
  mustRevalidate: boolean;
  /** `stale-while-revalidate`, seconds (RFC 5861 §3). */
  staleWhileRevalidate: number | undefined;
  /** `stale-if-error`, seconds (RFC 5861 §4). */
  staleIfError: number | undefined;
}

/** RFC 9111 §1.2.2: a delta-seconds too large to represent is taken as 2^31. */
const maxDeltaSeconds = 2_147_483_648;
const directivePattern = /([!#$%&'*+.^_`|~0-9A-Za-z-]+)(?:[ \t]*=[ \t]*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]*)))?/g;

/**
 * Parses a `Cache-Control` value. Directive names are case-insensitive; quoted values are
 * accepted (RFC 9111 §5.2); when a directive repeats, the first occurrence counts (§4.2.1).
 * A `max-age` or `s-maxage` that is not a delta-seconds makes the answer stale (0), the
 * conservative reading; an invalid `stale-*` value is ignored.
 */
export function parseCacheControl(value: string | undefined): CacheControl {
  const control: CacheControl = {
    maxAge: undefined,
    sMaxAge: undefined,
    noStore: false,
    noCache: false,
    private: false,
    public: false,
    mustRevalidate: false,
    staleWhileRevalidate: undefined,
    staleIfError: undefined,
  };
  if (value === undefined || value === "") return control;
  for (const match of value.matchAll(directivePattern)) {
    const argument = match[2] ?? match[3];
    switch (match[1]!.toLowerCase()) {
      case "max-age":
        control.maxAge ??= readDeltaSeconds(argument) ?? 0;
        break;
      case "s-maxage":
        control.sMaxAge ??= readDeltaSeconds(argument) ?? 0;
        break;
      case "no-store":
        control.noStore = true;
        break;
      case "no-cache":
        control.noCache = true;
        break;
      case "private":
        control.private = true;
        break;
      case "public":
        control.public = true;
        break;
      case "must-revalidate":
      case "proxy-revalidate":
        control.mustRevalidate = true;
        break;
      case "stale-while-revalidate":
        control.staleWhileRevalidate ??= readDeltaSeconds(argument);
        break;
      case "stale-if-error":
        control.staleIfError ??= readDeltaSeconds(argument);
        break;
    }
  }
  return control;
}

function readDeltaSeconds(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  return Math.min(Number(text), maxDeltaSeconds);
}
