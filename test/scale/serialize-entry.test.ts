import { describe, expect, it } from "vitest";
import type { CacheEntry } from "../../src/cache/response-cache.js";
import { deserializeStored, redisLifetimeMs, serializeEntry, serializeVaryMarker } from "../../src/cache/serialize-entry.js";

const entry = (overrides: Partial<CacheEntry> = {}): CacheEntry => ({
  kind: "response",
  response: { status: 200, headers: { "content-type": "application/json", etag: '"v1"' }, body: Buffer.from('{"a":"line\\nbreak ✓"}\n') },
  upstream: "api",
  pathname: "/v1/items/a",
  bornAt: 1_000,
  freshUntil: 31_000,
  staleWhileRevalidate: 5_000,
  staleIfError: 60_000,
  retainUntil: Infinity,
  etag: '"v1"',
  lastModified: undefined,
  audience: "anonymous",
  scope: "public",
  vary: [],
  size: 400,
  ...overrides,
});

describe("the Redis form of an entry", () => {
  it("R13: reads back what was stored: status, headers, body bytes (newlines and UTF-8 included), freshness facts", () => {
    const stored = deserializeStored(serializeEntry(entry()));
    expect(stored).toEqual({ entry: { ...entry(), response: { ...entry().response } } });
    const read = (stored as { entry: CacheEntry }).entry;
    expect(read.response.body.equals(entry().response.body)).toBe(true);
    expect(Object.isFrozen(read.response)).toBe(true);
    expect(deserializeStored(serializeVaryMarker(["accept-language"]))).toEqual({ varyNames: ["accept-language"] });
  });

  it("R13: a value of another version, damaged, or not Trestle's is a miss (undefined), never served", () => {
    const good = serializeEntry(entry());
    const otherVersion = Buffer.from(good.toString("latin1").replace('{"v":1,', '{"v":2,'), "latin1");
    for (const value of [
      otherVersion,
      Buffer.from("not json\n{}"),
      Buffer.from("no newline"),
      Buffer.from('{"v":1}\n'),
      Buffer.from("null\n"),
      Buffer.alloc(0),
    ]) {
      expect(deserializeStored(value)).toBeUndefined();
    }
    // A normal entry still reads back afterwards.
    expect(deserializeStored(good)).toBeDefined();
  });

  it("R13: Redis keeps an entry for its remaining freshness plus the longer stale window; nothing when none is left", () => {
    expect(redisLifetimeMs(entry(), 11_000)).toBe(20_000 + 60_000);
    expect(redisLifetimeMs(entry({ staleIfError: 0, staleWhileRevalidate: 0 }), 31_000)).toBe(0);
  });
});
