import { describe, expect, it } from "vitest";
import { ResponseCache, entryOverheadBytes, type CacheEntry } from "../../src/cache/response-cache.js";

const headers = { "content-type": "application/json" };

function entry(upstream: string, pathname: string, body: Buffer, overrides: Partial<CacheEntry> = {}): CacheEntry {
  const size = entryOverheadBytes + body.length + 64;
  return {
    kind: "response",
    response: { status: 200, headers, body },
    upstream,
    pathname,
    bornAt: 0,
    freshUntil: 60_000,
    staleWhileRevalidate: 0,
    staleIfError: 0,
    retainUntil: 60_000,
    etag: undefined,
    lastModified: undefined,
    audience: "anonymous",
    scope: "public",
    vary: [],
    size,
    ...overrides,
  };
}

const key = (upstream: string, path: string) => JSON.stringify([upstream, "GET", path, null]);

describe("ResponseCache", () => {
  it("C08: a 100,000-key fill stays within maxSize", () => {
    const maxSize = 8 * 1024 * 1024;
    const cache = new ResponseCache({ maxSize, maxEntrySize: Math.floor(maxSize / 10) });
    const body = Buffer.alloc(512, 0x61);
    for (let i = 0; i < 100_000; i++) {
      const path = `/items/${i}`;
      cache.set(key("ml", path), entry("ml", path, body), [], {});
      if (i % 10_000 === 0) expect(cache.calculatedSize).toBeLessThanOrEqual(maxSize);
    }
    expect(cache.calculatedSize).toBeLessThanOrEqual(maxSize);
    expect(cache.calculatedSize).toBeGreaterThan(maxSize * 0.9);
    // Evicted entries left the purge index too: a purge of everything deletes exactly what is held.
    const held = cache.size;
    const filled = cache.calculatedSize;
    expect(held).toBeGreaterThan(1000);
    expect(held).toBeLessThan(100_000);
    expect(cache.get(key("ml", "/items/0"), {}, 0)).toBeUndefined();
    expect(cache.get(key("ml", "/items/99999"), {}, 0)).toBeDefined();
    expect(cache.purge({ upstream: "ml" })).toBe(held);
    expect(cache.size).toBe(0);
    expect(cache.calculatedSize).toBe(0);
    console.log(`100k fill: ${held} of 100000 entries held, calculatedSize ${filled} <= maxSize ${maxSize}`);
  });

  it("does not store an entry larger than maxEntrySize", () => {
    const cache = new ResponseCache({ maxSize: 10_000, maxEntrySize: 1_000 });
    expect(cache.set(key("ml", "/big"), entry("ml", "/big", Buffer.alloc(2_000)), [], {})).toBe(false);
    expect(cache.size).toBe(0);
    expect(cache.set(key("ml", "/small"), entry("ml", "/small", Buffer.alloc(100)), [], {})).toBe(true);
    expect(cache.size).toBe(1);
  });

  it("drops an entry past its retention on lookup", () => {
    const cache = new ResponseCache({ maxSize: 10_000, maxEntrySize: 5_000 });
    cache.set(key("ml", "/a"), entry("ml", "/a", Buffer.from("{}"), { retainUntil: 100 }), [], {});
    expect(cache.get(key("ml", "/a"), {}, 99)).toBeDefined();
    expect(cache.get(key("ml", "/a"), {}, 100)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it("C04: keeps one variant per value of the Vary'd request headers", () => {
    const cache = new ResponseCache({ maxSize: 100_000, maxEntrySize: 10_000 });
    const base = key("ml", "/greeting");
    const en = entry("ml", "/greeting", Buffer.from('"hello"'), { vary: ["accept-language"] });
    const fr = entry("ml", "/greeting", Buffer.from('"bonjour"'), { vary: ["accept-language"] });
    cache.set(base, en, ["accept-language"], { "accept-language": "en" });
    cache.set(base, fr, ["accept-language"], { "accept-language": "fr" });
    expect(cache.get(base, { "accept-language": "en" }, 0)).toBe(en);
    expect(cache.get(base, { "accept-language": "fr" }, 0)).toBe(fr);
    expect(cache.get(base, {}, 0)).toBeUndefined();
    expect(cache.size).toBe(2);
    expect(cache.purge({ upstream: "ml", paths: ["/greeting"] })).toBe(2);
    expect(cache.calculatedSize).toBe(0);
  });

  it("purges by upstream and path, any query, and keeps the rest", () => {
    const cache = new ResponseCache({ maxSize: 100_000, maxEntrySize: 10_000 });
    const body = Buffer.from("{}");
    for (const [upstream, path, pathname] of [
      ["ml", "/models", "/models"],
      ["ml", "/models?limit=5", "/models"],
      ["ml", "/models/a", "/models/a"],
      ["users", "/models", "/models"],
    ] as const)
      cache.set(key(upstream, path), entry(upstream, pathname, body), [], {});
    expect(cache.purge({ upstream: "ml", paths: ["/models"] })).toBe(2);
    expect(cache.size).toBe(2);
    expect(cache.get(key("ml", "/models/a"), {}, 0)).toBeDefined();
    expect(cache.get(key("users", "/models"), {}, 0)).toBeDefined();
    expect(cache.purge({ upstream: "nope" })).toBe(0);
    // A prefix takes the path and what is below it segment-wise, not a longer name.
    for (const path of ["/models", "/models/b", "/models/b/c", "/modelsx"]) cache.set(key("ml", path), entry("ml", path, body), [], {});
    expect(cache.purge({ upstream: "ml", prefix: "/models" })).toBe(4);
    expect(cache.get(key("ml", "/modelsx"), {}, 0)).toBeDefined();
  });
});
