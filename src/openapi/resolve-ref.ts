import { OpenApiImportError } from "./openapi-import-error.js";

/** Local `$ref` resolution over the parsed document with JSON pointers (RFC 6901). */

export interface ResolvedNode {
  /** The node found, after following every `$ref` hop. */
  value: unknown;
  /** Its JSON pointer (`#/components/schemas/Pet`). */
  pointer: string;
}

export interface RefResolver {
  /** The node a `$ref` names. Throws an OpenApiImportError naming the ref and `usedAt` when it is broken. */
  resolve(ref: string, usedAt: string): ResolvedNode;
  /** Follows `$ref` hops from `value` (found at `pointer`) until a node that is not a reference. */
  deref(value: unknown, pointer: string): ResolvedNode;
}

export function createRefResolver(root: unknown): RefResolver {
  const cache = new Map<string, ResolvedNode>();

  const resolve = (ref: string, usedAt: string): ResolvedNode => {
    const cached = cache.get(ref);
    if (cached !== undefined) return cached;
    if (!ref.startsWith("#")) {
      throw new OpenApiImportError(
        `$ref "${ref}" at ${usedAt} points outside the document; only local refs (#/...) are supported, bundle the spec first`,
        { pointer: usedAt },
      );
    }
    const segments = parsePointer(ref, usedAt);
    let node = root;
    let at = "#";
    for (const segment of segments) {
      const next = isRecord(node) || Array.isArray(node) ? (node as Record<string, unknown>)[segment] : undefined;
      if (next === undefined || !Object.hasOwn(node as object, segment)) {
        const keys = isRecord(node) ? Object.keys(node) : [];
        const hint = keys.length > 0 && keys.length <= 8 ? ` (it has: ${keys.join(", ")})` : "";
        throw new OpenApiImportError(`broken $ref "${ref}" at ${usedAt}: ${at} has no "${segment}"${hint}`, { pointer: usedAt });
      }
      node = next;
      at = appendPointer(at, segment);
    }
    const found = { value: node, pointer: at };
    cache.set(ref, found);
    return found;
  };

  const deref = (value: unknown, pointer: string): ResolvedNode => {
    let current: ResolvedNode = { value, pointer };
    const seen = new Set<string>();
    while (isRecord(current.value) && typeof current.value["$ref"] === "string") {
      const ref = current.value["$ref"];
      if (seen.has(ref))
        throw new OpenApiImportError(`$ref "${ref}" at ${current.pointer} refers to itself in a loop`, { pointer: current.pointer });
      seen.add(ref);
      current = resolve(ref, appendPointer(current.pointer, "$ref"));
    }
    return current;
  };

  return { resolve, deref };
}

/** "#/a~1b/c%20d" → ["a/b", "c d"]. */
function parsePointer(ref: string, usedAt: string): string[] {
  let fragment: string;
  try {
    fragment = decodeURIComponent(ref.slice(1));
  } catch {
    throw new OpenApiImportError(`$ref "${ref}" at ${usedAt} is not a valid URI fragment`, { pointer: usedAt });
  }
  if (fragment === "") return [];
  if (!fragment.startsWith("/")) {
    throw new OpenApiImportError(`$ref "${ref}" at ${usedAt} is not a JSON pointer (expected "#/..."); anchors are not supported`, {
      pointer: usedAt,
    });
  }
  return fragment
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

/** Adds one key to a JSON pointer, escaping `~` and `/` (RFC 6901 §3). */
export function appendPointer(pointer: string, segment: string | number): string {
  return `${pointer}/${String(segment).replace(/~/g, "~0").replace(/\//g, "~1")}`;
}

/** The keys of a pointer, unescaped: "#/paths/~1pets" → ["paths", "/pets"]. */
export function splitPointer(pointer: string): string[] {
  const body = pointer.replace(/^#/, "");
  if (body === "") return [];
  return body
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
