import { describe, expect, it } from "vitest";
import { normalizeCacheOptions, type CacheOptions } from "../../src/cache/cache-options.js";
import { TrestleError } from "../../src/errors.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";

describe("normalizeCacheOptions", () => {
  it("documents its defaults", () => {
    const options = normalizeCacheOptions(undefined);
    expect(options).toMatchObject({ enabled: true, maxSize: 52_428_800, maxEntrySize: 5_242_880, staleIfErrorSeconds: 0 });
    expect(normalizeCacheOptions({ maxSize: 1000 }).maxEntrySize).toBe(100);
  });

  const abuse: Array<[unknown, string]> = [
    ["big", 'cache must be an object like { maxSize: 52428800 }, received "big"'],
    [{ maxSize: -1 }, "cache.maxSize must be a positive integer (bytes), received -1"],
    [{ maxSize: 1.5 }, "cache.maxSize must be a positive integer (bytes), received 1.5"],
    [{ maxSize: "50mb" }, 'cache.maxSize must be a positive integer (bytes), received "50mb"'],
    [{ maxEntrySize: 0 }, "cache.maxEntrySize must be a positive integer (bytes), received 0"],
    [{ maxSize: 100, maxEntrySize: 200 }, "cache.maxEntrySize must not exceed cache.maxSize (100), received 200"],
    [{ staleIfErrorSeconds: -3 }, "cache.staleIfErrorSeconds must be zero or a positive integer (seconds), received -3"],
    [{ enabled: "yes" }, 'cache.enabled must be true or false, received "yes"'],
    [{ now: 5 }, "cache.now must be a function returning milliseconds, received 5"],
    [{ maxsize: 10 }, 'cache has no option "maxsize" (options: enabled, maxSize, maxEntrySize, staleIfErrorSeconds, now, redis, results)'],
  ];
  it.each(abuse)("refuses %j", (options, message) => {
    let thrown: unknown;
    try {
      normalizeCacheOptions(options as CacheOptions);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(TrestleError);
    expect((thrown as TrestleError).code).toBe("CONFIG_INVALID");
    expect((thrown as TrestleError).message).toBe(message);
  });

  it("createTrestle refuses a bad cache option before anything else", async () => {
    await expect(createTestTrestle("not even SDL", { cache: { maxSize: 0 } })).rejects.toThrow(
      "cache.maxSize must be a positive integer (bytes), received 0",
    );
  });
});
