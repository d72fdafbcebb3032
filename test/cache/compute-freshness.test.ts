import { describe, expect, it } from "vitest";
import { computeFreshness, type Freshness } from "../../src/cache/compute-freshness.js";
import type { CachePolicy } from "../../src/plan/cache-policy.js";
import { parseCacheControl } from "../../src/cache/parse-cache-control.js";

const t0 = Date.parse("2026-03-01T12:00:00Z");
const date = (offsetSeconds: number) => new Date(t0 + offsetSeconds * 1000).toUTCString();
const policy = (overrides: Partial<CachePolicy> = {}): CachePolicy => ({
  maxAge: undefined,
  staleWhileRevalidate: undefined,
  scope: undefined,
  identityHeaders: new Set(),
  constantHeaders: new Set(),
  clientSources: new Map(),
  personal: false,
  ...overrides,
});

interface Case {
  name: string;
  headers: Record<string, string>;
  policy?: Partial<CachePolicy>;
  /** Sent at t0 + sent ms, received at t0 + received ms. */
  sent?: number;
  received?: number;
  staleIfErrorSeconds?: number;
  /** Expected, relative to t0, in ms. */
  expected: { bornAt: number; freshUntil: number; staleWhileRevalidate?: number; staleIfError?: number };
}

describe("computeFreshness (RFC 9111 §4.2)", () => {
  const cases: Case[] = [
    {
      name: "max-age from arrival when Date is now",
      headers: { "cache-control": "max-age=30", date: date(0) },
      expected: { bornAt: 0, freshUntil: 30_000 },
    },
    {
      name: "no Date header: arrival time is the date",
      headers: { "cache-control": "max-age=30" },
      expected: { bornAt: 0, freshUntil: 30_000 },
    },
    {
      name: "s-maxage wins over max-age",
      headers: { "cache-control": "max-age=5, s-maxage=60", date: date(0) },
      expected: { bornAt: 0, freshUntil: 60_000 },
    },
    {
      name: "Age header shortens freshness",
      headers: { "cache-control": "max-age=30", age: "10", date: date(0) },
      expected: { bornAt: -10_000, freshUntil: 20_000 },
    },
    {
      name: "apparent age from an old Date",
      headers: { "cache-control": "max-age=30", date: date(-12) },
      expected: { bornAt: -12_000, freshUntil: 18_000 },
    },
    {
      name: "Date in the future: apparent age 0",
      headers: { "cache-control": "max-age=30", date: date(50) },
      expected: { bornAt: 0, freshUntil: 30_000 },
    },
    {
      name: "response delay counts into the age",
      headers: { "cache-control": "max-age=30", age: "1" },
      sent: -2_000,
      received: 0,
      expected: { bornAt: -3_000, freshUntil: 27_000 },
    },
    { name: "Expires − Date", headers: { expires: date(45), date: date(0) }, expected: { bornAt: 0, freshUntil: 45_000 } },
    {
      name: "max-age wins over Expires",
      headers: { expires: date(45), date: date(0), "cache-control": "max-age=5" },
      expected: { bornAt: 0, freshUntil: 5_000 },
    },
    { name: "invalid Expires is already expired", headers: { expires: "0", date: date(0) }, expected: { bornAt: 0, freshUntil: 0 } },
    {
      name: "no freshness information: stale at arrival",
      headers: { date: date(0), etag: '"v1"' },
      expected: { bornAt: 0, freshUntil: 0 },
    },
    {
      name: "no-cache: lifetime 0, never stale-served",
      headers: { "cache-control": "no-cache, max-age=60, stale-if-error=60" },
      expected: { bornAt: 0, freshUntil: 0, staleIfError: 0 },
    },
    {
      name: "@cache(maxAge) wins, counted from arrival",
      headers: { "cache-control": "max-age=5", age: "100" },
      policy: { maxAge: 120 },
      expected: { bornAt: 0, freshUntil: 120_000 },
    },
    {
      name: "C18: @cache(maxAge) beats no-cache",
      headers: { "cache-control": "no-cache" },
      policy: { maxAge: 120 },
      expected: { bornAt: 0, freshUntil: 120_000 },
    },
    {
      name: "stale-while-revalidate from the header",
      headers: { "cache-control": "max-age=1, stale-while-revalidate=30" },
      expected: { bornAt: 0, freshUntil: 1_000, staleWhileRevalidate: 30_000 },
    },
    {
      name: "@cache(staleWhileRevalidate) wins",
      headers: { "cache-control": "max-age=1, stale-while-revalidate=30" },
      policy: { staleWhileRevalidate: 5 },
      expected: { bornAt: 0, freshUntil: 1_000, staleWhileRevalidate: 5_000 },
    },
    {
      name: "stale-if-error from the header",
      headers: { "cache-control": "max-age=1, stale-if-error=60" },
      staleIfErrorSeconds: 10,
      expected: { bornAt: 0, freshUntil: 1_000, staleIfError: 60_000 },
    },
    {
      name: "stale-if-error from the option",
      headers: { "cache-control": "max-age=1" },
      staleIfErrorSeconds: 10,
      expected: { bornAt: 0, freshUntil: 1_000, staleIfError: 10_000 },
    },
    {
      name: "must-revalidate: no stale serving",
      headers: { "cache-control": "max-age=1, must-revalidate, stale-while-revalidate=30" },
      policy: { staleWhileRevalidate: 9 },
      staleIfErrorSeconds: 10,
      expected: { bornAt: 0, freshUntil: 1_000 },
    },
  ];
  it.each(cases)("$name", (c) => {
    const result = computeFreshness({
      headers: c.headers,
      control: parseCacheControl(c.headers["cache-control"]),
      policy: policy(c.policy),
      requestTime: t0 + (c.sent ?? 0),
      responseTime: t0 + (c.received ?? 0),
      staleIfErrorSeconds: c.staleIfErrorSeconds ?? 0,
    });
    const expected: Freshness = {
      bornAt: t0 + c.expected.bornAt,
      freshUntil: t0 + c.expected.freshUntil,
      staleWhileRevalidate: c.expected.staleWhileRevalidate ?? 0,
      staleIfError: c.expected.staleIfError ?? 0,
    };
    expect(result).toEqual(expected);
  });
});
