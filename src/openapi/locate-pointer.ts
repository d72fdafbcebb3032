import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from "yaml";
import { splitPointer } from "./resolve-ref.js";

/**
 * Where a JSON pointer's node is in the spec's text, as 1-based line and column: a scalar's
 * value, or the key that holds a map or list (the deepest existing node on the way when the
 * pointer goes further). Used only to point error messages at a place, so it re-parses the
 * text rather than keeping positions around.
 */
export function locatePointer(text: string, pointer: string): { line: number; col: number } | undefined {
  const lineCounter = new LineCounter();
  const document = parseDocument(text.replace(/^\uFEFF/, ""), { lineCounter, merge: true });
  if (document.errors.length > 0) return undefined;
  let node: unknown = document.contents;
  let start = rangeStart(node);
  for (const key of splitPointer(pointer)) {
    let next: unknown;
    let nextStart: number | undefined;
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === key);
      next = pair?.value;
      nextStart = isScalar(next) ? rangeStart(next) : rangeStart(pair?.key);
    } else if (isSeq(node) && /^\d+$/.test(key)) {
      next = node.items[Number(key)];
      nextStart = rangeStart(next);
    }
    if (nextStart === undefined || next === undefined) break;
    node = next;
    start = nextStart;
  }
  return start === undefined ? undefined : lineCounter.linePos(start);
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | undefined)?.range;
  return Array.isArray(range) ? range[0] : undefined;
}
