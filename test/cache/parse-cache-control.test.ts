import { describe, expect, it } from "vitest";
import { parseCacheControl, type CacheControl } from "../../src/cache/parse-cache-control.js";

const none: CacheControl = {
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

describe("parseCacheControl", () => {
  const cases: Array<[string | undefined, Partial<CacheControl>]> = [
    [undefined, {}],
    ["", {}],
    ["max-age=30", { maxAge: 30 }],
    ["public, max-age=30", { public: true, maxAge: 30 }],
    ["Public, MAX-AGE=30", { public: true, maxAge: 30 }],
    ['max-age="30"', { maxAge: 30 }],
    ["max-age = 30", { maxAge: 30 }],
    ["s-maxage=60, max-age=10", { sMaxAge: 60, maxAge: 10 }],
    ["max-age=10, max-age=99", { maxAge: 10 }],
    ["max-age=abc", { maxAge: 0 }],
    ["max-age=-5", { maxAge: 0 }],
    ["max-age=30abc", { maxAge: 0 }],
    ["max-age", { maxAge: 0 }],
    ["max-age=99999999999", { maxAge: 2_147_483_648 }],
    ["no-store", { noStore: true }],
    ["no-cache", { noCache: true }],
    ['no-cache="set-cookie, x-foo", max-age=5', { noCache: true, maxAge: 5 }],
    ["private", { private: true }],
    ['private="authorization", max-age=60', { private: true, maxAge: 60 }],
    ["must-revalidate", { mustRevalidate: true }],
    ["proxy-revalidate", { mustRevalidate: true }],
    ["max-age=1, stale-while-revalidate=30", { maxAge: 1, staleWhileRevalidate: 30 }],
    ["max-age=1, stale-if-error=300", { maxAge: 1, staleIfError: 300 }],
    ["stale-if-error=x", {}],
    ["immutable, max-age=31536000", { maxAge: 31_536_000 }],
    ["  ,, max-age=5 ,", { maxAge: 5 }],
    ["private, no-store, max-age=0", { private: true, noStore: true, maxAge: 0 }],
  ];
  it.each(cases)("%j", (value, expected) => {
    expect(parseCacheControl(value)).toEqual({ ...none, ...expected });
  });
});
