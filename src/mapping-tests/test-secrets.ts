import type { Env } from "../template/interpolate-env.js";

/** `{env.X}` or `{env.X:-default}`, as schema text and test headers write it. */
const envReference = /\{env\.([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;
const baseUrlArgument = /baseUrl\s*:\s*"([^"]*)"/g;

/** Page cursors' key when TRESTLE_CURSOR_SECRET is unset: a test needs none of its own, and no warning. */
export const testCursorSecret = "trestle test: page cursors of mapping tests";

/** Values shorter than this are never replaced by their `{env.X}` placeholder: "1" would hit every digit. */
const minSecretLength = 4;

/**
 * The environment of a mapping test. Every `{env.X}` the schema or the test's headers read
 * (except those of `@upstream(baseUrl:)`, replaced by the replay upstream anyway, and set to
 * `http://replay.invalid` when unset) has, during
 * replay, the value `env-X`; in recordings, the real value reads `{env.X}`, so that recordings
 * hold no secret and replay the same in CI without one.
 */
export interface TestSecrets {
  /** The env a replayed test runs with: the given one, the placeholders on top. */
  replayEnv: Env;
  /** `{env.X}` → the replay value, for recorded exchanges and expectations. */
  placeholders: ReadonlyMap<string, string>;
  /** Real value → `{env.X}`, longest first, for what `--record` writes. */
  secrets: ReadonlyArray<readonly [value: string, placeholder: string]>;
}

export function readTestSecrets(texts: readonly string[], env: Env): TestSecrets {
  const inBaseUrl = new Set<string>();
  for (const text of texts)
    for (const [, url = ""] of text.matchAll(baseUrlArgument)) for (const [, name = ""] of url.matchAll(envReference)) inBaseUrl.add(name);
  const fallbacks = new Map<string, string | undefined>();
  for (const text of texts)
    for (const [, name = "", fallback] of text.matchAll(envReference))
      if (!inBaseUrl.has(name)) fallbacks.set(name, fallback ?? fallbacks.get(name));
  const replayEnv: Record<string, string | undefined> = { ...env };
  // A base URL the replay replaces anyway need not be set in CI (".invalid": RFC 6761, never resolved).
  for (const name of inBaseUrl) if (!env[name]) replayEnv[name] = "http://replay.invalid";
  const placeholders = new Map<string, string>();
  const secrets: Array<readonly [string, string]> = [];
  for (const [name, fallback] of fallbacks) {
    const placeholder = `{env.${name}}`;
    replayEnv[name] = `env-${name}`;
    placeholders.set(placeholder, `env-${name}`);
    const real = env[name] || fallback;
    if (real === undefined || real.length < minSecretLength) continue;
    secrets.push([real, placeholder]);
    const encoded = encodeURIComponent(real);
    if (encoded !== real) secrets.push([encoded, placeholder]);
  }
  secrets.sort((a, b) => b[0].length - a[0].length);
  return { replayEnv, placeholders, secrets };
}

/** Every string in `value` (keys too) with each `from` text replaced by its `to`. */
export function replaceInStrings<T>(value: T, pairs: Iterable<readonly [from: string, to: string]>): T {
  const list = [...pairs];
  const swap = (text: string) => list.reduce((acc, [from, to]) => acc.split(from).join(to), text);
  const walk = (item: unknown): unknown => {
    if (typeof item === "string") return swap(item);
    if (Array.isArray(item)) return item.map(walk);
    if (item !== null && typeof item === "object")
      return Object.fromEntries(Object.entries(item).map(([key, inner]) => [swap(key), walk(inner)]));
    return item;
  };
  return walk(value) as T;
}
