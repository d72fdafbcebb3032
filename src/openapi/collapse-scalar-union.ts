import type { SchemaClassifier, ScalarName, SchemaEntry } from "./classify-schema.js";

/**
 * The one scalar that holds every branch of a `oneOf`/`anyOf` that is not all objects:
 * `string | enum` → String, `integer | number` → Float, `date-time | string` → String; JSON
 * when the branches differ in kind (a string or a list, an object or a number).
 */
export function collapseScalarUnion(
  branches: readonly SchemaEntry[],
  classifier: SchemaClassifier,
  seen = new Set<string>(),
): { scalar: ScalarName; nullable: boolean } {
  const scalars = new Set<ScalarName>();
  let nullable = false;
  for (const branch of branches) {
    const { entry, shape, nullable: branchNullable } = classifier.deref(branch);
    nullable ||= branchNullable;
    if (shape.kind === "scalar") scalars.add(shape.scalar);
    else if (shape.kind === "enum") scalars.add("String");
    else if (shape.kind === "union" && !seen.has(entry.pointer)) {
      seen.add(entry.pointer);
      const inner = collapseScalarUnion(shape.branches, classifier, seen);
      scalars.add(inner.scalar);
      nullable ||= inner.nullable;
    } else return { scalar: "JSON", nullable };
  }
  return { scalar: mergeScalars(scalars), nullable };
}

function mergeScalars(scalars: ReadonlySet<ScalarName>): ScalarName {
  const all = [...scalars];
  if (all.length === 1) return all[0] ?? "JSON";
  if (all.every((s) => s === "Int" || s === "Int64")) return "Int64";
  if (all.every((s) => s === "Int" || s === "Int64" || s === "Float")) return "Float";
  if (all.every((s) => s === "String" || s === "DateTime" || s === "Date")) return "String";
  return "JSON";
}
