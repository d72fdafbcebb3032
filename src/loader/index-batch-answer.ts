import { UpstreamError } from "../errors.js";
import { readPath } from "../template/parse-template.js";

/**
 * Indexes a batch endpoint's answer by key, recognising the three shapes batch APIs use:
 * a list of items (`[{ "id": 1 }, …]`), an object keyed by id (`{ "1": {…} }`), and a
 * wrapper holding one list (`{ "items": [...] }`) when no `select` names it. Keys are
 * compared as strings, so `1` and `"1"` match. Every item of a list must carry its key:
 * an item without one could belong to any parent, so the whole answer is refused.
 */
export function indexBatchAnswer(
  data: unknown,
  keyPath: readonly string[],
  keys: readonly unknown[],
  upstream: string,
): Map<string, unknown[]> {
  const index = new Map<string, unknown[]>();
  if (data === null || data === undefined) return index;
  const list = asList(data, keys);
  if (list === undefined) {
    if (typeof data !== "object") throw badAnswer(upstream, `is ${typeof data}, not a list or an object keyed by id`);
    for (const key of keys) {
      const item = (data as Record<string, unknown>)[String(key)];
      if (item !== undefined && item !== null) index.set(String(key), [item]);
    }
    return index;
  }
  list.forEach((item, position) => {
    const key = readPath(item, keyPath);
    if (key === undefined || key === null || typeof key === "object") {
      throw badAnswer(upstream, `has an item (#${position}) without a usable "${keyPath.join(".")}" key`);
    }
    const found = index.get(String(key));
    if (found) found.push(item);
    else index.set(String(key), [item]);
  });
  return index;
}

function asList(data: unknown, keys: readonly unknown[]): unknown[] | undefined {
  if (Array.isArray(data)) return data;
  if (typeof data !== "object" || data === null) return undefined;
  const record = data as Record<string, unknown>;
  if (keys.some((key) => String(key) in record)) return undefined;
  const lists = Object.values(record).filter(Array.isArray);
  return lists.length === 1 && Object.keys(record).length <= 3 ? lists[0] : undefined;
}

export function badAnswer(upstream: string, what: string): UpstreamError {
  return new UpstreamError("UPSTREAM_BAD_RESPONSE", upstream, `Upstream "${upstream}" batch answer ${what}.`);
}
