import { getLocation, type ASTNode, type GraphQLError } from "graphql";
import type { Diagnostic } from "../errors.js";

/** Collects diagnostics with `file:line:col` places taken from AST nodes. */
export class DiagnosticList {
  readonly items: Diagnostic[] = [];

  get hasErrors(): boolean {
    return this.items.some((d) => d.severity === "error");
  }

  /** A problem at `node`; `offset` points inside a string value (a template) when given. */
  error(node: ASTNode | undefined, message: string, offset?: number): void {
    this.items.push({ severity: "error", ...locate(node, offset), message });
  }

  warning(node: ASTNode | undefined, message: string, offset?: number): void {
    this.items.push({ severity: "warning", ...locate(node, offset), message });
  }

  fromGraphQLError(error: GraphQLError): void {
    const source = error.source ?? error.nodes?.[0]?.loc?.source;
    const place = error.locations?.[0];
    this.items.push({
      severity: "error",
      file: source?.name ?? "<sdl>",
      line: place?.line ?? 0,
      column: place?.column ?? 0,
      message: error.message,
    });
  }
}

/** `file:line:col` of a node, for a message that names another place. */
export function placeOf(node: ASTNode): string {
  const { file, line, column } = locate(node);
  return `${file}:${line}:${column}`;
}

function locate(node: ASTNode | undefined, offset?: number): { file: string; line: number; column: number } {
  const loc = node?.loc;
  if (loc === undefined) return { file: "<sdl>", line: 0, column: 0 };
  // Inside a one-line string literal, the template's offset is the column past the quote.
  const inString = offset !== undefined && node?.kind === "StringValue" && !node.block;
  const place = getLocation(loc.source, loc.start);
  return { file: loc.source.name, line: place.line, column: place.column + (inString ? offset + 1 : 0) };
}

/** Parses `a.b.0.c` into its keys; undefined when a segment is empty or holds spaces/braces. */
export function parseDotPath(text: string): string[] | undefined {
  const path = text.split(".");
  return path.every((key) => /^[^\s{}]+$/.test(key)) ? path : undefined;
}
