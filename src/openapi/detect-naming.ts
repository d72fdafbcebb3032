import type { Naming } from "./plan-object-fields.js";
import { isRecord } from "./resolve-ref.js";

/**
 * SNAKE_CASE when the document's property names are mostly snake_case (`created_at`) rather
 * than camelCase (`createdAt`). One-word names (`id`, `name`) count for neither.
 */
export function detectNaming(document: unknown): Naming {
  let snake = 0;
  let camel = 0;
  const seen = new Set<object>();
  const visit = (node: unknown): void => {
    if (typeof node !== "object" || node === null || seen.has(node)) return;
    seen.add(node);
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
      return;
    }
    if (!isRecord(node)) return;
    for (const [key, value] of Object.entries(node)) {
      if (key === "properties" && isRecord(value)) {
        for (const name of Object.keys(value)) {
          if (/^[a-z][a-z0-9]*(_[a-z0-9]+)+$/.test(name)) snake++;
          else if (/^[a-z][a-z0-9]*([A-Z][a-z0-9]*)+$/.test(name)) camel++;
        }
      }
      if (key !== "example" && key !== "examples" && key !== "enum" && key !== "default") visit(value);
    }
  };
  visit(document);
  return snake > camel ? "SNAKE_CASE" : "AS_IS";
}
