import { Kind, type ASTNode } from "graphql";
import type { ErrorExposurePlan } from "../plan/schema-plan.js";
import { parseDotPath, type DiagnosticList } from "./diagnostics.js";

/** The `detail:` path when none is given: FastAPI's `{"detail": …}`. */
export const defaultDetailPath = "detail";

/**
 * Reads `errors: { expose, detail }` of an `@upstream` or a `@rest` (`owner` names it in
 * messages). Only 4xx statuses may be exposed: a 5xx body is the upstream's own failure
 * (tracebacks, hosts, queries) and stays masked whatever the schema says. Undefined when the
 * directive has no `errors:`; a plan with no statuses for `expose: []`.
 */
export function readErrorExposure(
  raw: unknown,
  node: ASTNode | undefined,
  owner: string,
  diagnostics: DiagnosticList,
): ErrorExposurePlan | undefined {
  if (raw === undefined || raw === null) return undefined;
  const value = raw as { expose: readonly number[]; detail?: string | null };
  const statuses = new Set<number>();
  value.expose.forEach((status, index) => {
    const at = itemNode(node, "expose", index);
    if (status < 400 || status > 499) {
      const why = status >= 500 && status <= 599 ? "5xx bodies are the upstream's own failures and are never shown" : "not a 4xx status";
      diagnostics.error(at, `${owner} errors.expose lists ${status}, but only 4xx statuses (400–499) can be exposed: ${why}`);
    } else if (statuses.has(status)) {
      diagnostics.error(at, `${owner} errors.expose lists ${status} twice`);
    } else statuses.add(status);
  });
  const text = value.detail ?? defaultDetailPath;
  const detail = parseDotPath(text);
  if (detail === undefined) {
    diagnostics.error(
      itemNode(node, "detail"),
      `${owner} errors.detail "${text}" is not a dot path like "detail" or "error.details" (the details' place in a JSON body)`,
    );
    return undefined;
  }
  return { statuses, detail };
}

/** The AST node of `errors.<field>` (or of its `index`-th item), else the closest one found. */
function itemNode(node: ASTNode | undefined, field: string, index?: number): ASTNode | undefined {
  if (node?.kind !== Kind.OBJECT) return node;
  const value = node.fields.find((f) => f.name.value === field)?.value;
  if (value === undefined) return node;
  if (index !== undefined && value.kind === Kind.LIST) return value.values[index] ?? value;
  return value;
}
