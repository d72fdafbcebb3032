import type { CacheEntry } from "./response-cache.js";

/**
 * The Redis form of a stored answer: one line of JSON (format version, status, headers kept,
 * freshness facts), a newline, then the body's bytes as they are. A value of another version,
 * or one that does not read back, is ignored (a miss), never served.
 */
export const entryFormatVersion = 1;

interface EntryHead {
  v: number;
  status: number;
  headers: Record<string, string>;
  upstream: string;
  pathname: string;
  bornAt: number;
  freshUntil: number;
  staleWhileRevalidate: number;
  staleIfError: number;
  /** null for Infinity (kept until evicted: it has a validator). */
  retainUntil: number | null;
  etag: string | null;
  lastModified: string | null;
  audience: CacheEntry["audience"];
  scope: CacheEntry["scope"];
  vary: string[];
  size: number;
}

const newline = 0x0a;

export function serializeEntry(entry: CacheEntry): Buffer {
  const head: EntryHead = {
    v: entryFormatVersion,
    status: entry.response.status,
    headers: entry.response.headers,
    upstream: entry.upstream,
    pathname: entry.pathname,
    bornAt: entry.bornAt,
    freshUntil: entry.freshUntil,
    staleWhileRevalidate: entry.staleWhileRevalidate,
    staleIfError: entry.staleIfError,
    retainUntil: Number.isFinite(entry.retainUntil) ? entry.retainUntil : null,
    etag: entry.etag ?? null,
    lastModified: entry.lastModified ?? null,
    audience: entry.audience,
    scope: entry.scope,
    vary: [...entry.vary],
    size: entry.size,
  };
  return Buffer.concat([Buffer.from(JSON.stringify(head)), Buffer.of(newline), entry.response.body]);
}

/** What stands at an answer's base key when it says `Vary`: the names of the request headers that select a variant. */
export function serializeVaryMarker(names: readonly string[]): Buffer {
  return Buffer.from(`${JSON.stringify({ v: entryFormatVersion, varyMarker: names })}\n`);
}

/** A value read back: an entry, a Vary marker, or undefined when it is neither (another version, damaged). */
export function deserializeStored(value: Buffer): { entry: CacheEntry } | { varyNames: string[] } | undefined {
  const end = value.indexOf(newline);
  if (end === -1) return undefined;
  let head: EntryHead & { varyMarker?: unknown };
  try {
    head = JSON.parse(value.subarray(0, end).toString("utf8")) as EntryHead;
  } catch {
    return undefined;
  }
  if (head === null || typeof head !== "object" || head.v !== entryFormatVersion) return undefined;
  if (Array.isArray(head.varyMarker)) return { varyNames: head.varyMarker.filter((name): name is string => typeof name === "string") };
  const entry = readEntry(head, value.subarray(end + 1));
  return entry === undefined ? undefined : { entry };
}

function readEntry(head: EntryHead, body: Buffer): CacheEntry | undefined {
  if (typeof head.status !== "number" || typeof head.headers !== "object" || head.headers === null || !Array.isArray(head.vary))
    return undefined;
  const response = Object.freeze({ status: head.status, headers: Object.freeze({ ...head.headers }), body: Buffer.from(body) });
  return {
    kind: "response",
    response,
    upstream: head.upstream,
    pathname: head.pathname,
    bornAt: head.bornAt,
    freshUntil: head.freshUntil,
    staleWhileRevalidate: head.staleWhileRevalidate,
    staleIfError: head.staleIfError,
    retainUntil: head.retainUntil ?? Infinity,
    etag: head.etag ?? undefined,
    lastModified: head.lastModified ?? undefined,
    audience: head.audience === "all" ? "all" : "anonymous",
    scope: head.scope === "public" ? "public" : "private",
    vary: head.vary,
    size: head.size,
  };
}

/** How long Redis keeps an entry: its remaining lifetime plus its stale windows (0 or less: not stored). */
export function redisLifetimeMs(entry: CacheEntry, now: number): number {
  return entry.freshUntil + Math.max(entry.staleWhileRevalidate, entry.staleIfError) - now;
}
