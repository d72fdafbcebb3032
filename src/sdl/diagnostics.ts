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
  const column = inString ? rawOffset(loc.source.body.slice(loc.start + 1, loc.end - 1), offset) + 1 : 0;
  return { file: loc.source.name, line: place.line, column: place.column + column };
}

/** Where the `offset`-th character of a string's value is in its source text (`\"` is two there). */
function rawOffset(raw: string, offset: number): number {
  let at = 0;
  for (let decoded = 0; decoded < offset && at < raw.length; decoded++) {
    if (raw[at] !== "\\") at += 1;
    else at += raw[at + 1] === "u" ? (raw[at + 2] === "{" ? raw.indexOf("}", at) + 1 - at : 6) : 2;
  }
  return at;
}

/** Parses `a.b.0.c` into its keys; undefined when a segment is empty or holds spaces/braces. */
export function parseDotPath(text: string): string[] | undefined {
  const path = text.split(".");
  return path.every((key) => /^[^\s{}]+$/.test(key)) ? path : undefined;
}
