/**
 * JSON with every object's keys in sorted order: two values that differ only in key order (or
 * in what was never part of the value, such as a changing `Date` header) give the same text.
 * Used to tell whether a polled answer changed.
 */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (inner === null || typeof inner !== "object" || Array.isArray(inner)) return inner;
    // fromEntries defines own properties: a "__proto__" key stays a key.
    return Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  });
}
