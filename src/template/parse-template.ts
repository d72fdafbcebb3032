/**
 * Templates are text with `{…}` variables (a small subset of RFC 6570 level 1, with our own
 * roots): `{args.X}`, `{parent.X}`, `{env.X}` / `{env.X:-default}`, `{header.X}`, `{context.X}`,
 * and in batch paths `{keys}` / `{keys*}`. Parsing happens once, when the schema is built;
 * requests only render the parsed parts.
 */

export type VariableRoot = "args" | "parent" | "env" | "header" | "context" | "keys";
export const variableRoots: readonly VariableRoot[] = ["args", "parent", "env", "header", "context", "keys"];

export interface TemplateVariable {
  root: VariableRoot;
  /** Dot path after the root (`args.input.name` → ["input", "name"]); for env/header, one name. */
  path: string[];
  /** `{env.X:-default}`: the text after `:-`. */
  fallback?: string;
  /** `{keys*}`: repeat the query parameter once per key. */
  explode: boolean;
  /** The variable as written, braces included. */
  source: string;
  /** Offset of the `{` in the template. */
  offset: number;
}

export type TemplatePart = string | TemplateVariable;

export interface ParsedTemplate {
  source: string;
  parts: TemplatePart[];
  variables: TemplateVariable[];
}

export interface TemplateProblem {
  message: string;
  offset: number;
}

const variablePattern = /\{(args|parent|env|header|context)\.([^{}]*)\}|\{keys(\*?)\}/g;
const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;
const headerName = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
const envName = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Parses a template. With `literalBraces` (JSON body templates) a brace that starts no known
 * variable is literal text; otherwise it is reported, since `{arg.x}` or `{args.x` is surely a typo.
 */
export function parseTemplate(
  source: string,
  options: { literalBraces?: boolean } = {},
): {
  template: ParsedTemplate;
  problems: TemplateProblem[];
} {
  const parts: TemplatePart[] = [];
  const variables: TemplateVariable[] = [];
  const problems: TemplateProblem[] = [];
  let last = 0;
  for (const match of source.matchAll(variablePattern)) {
    const offset = match.index;
    if (offset > last) parts.push(source.slice(last, offset));
    const variable = toVariable(match, offset, problems);
    parts.push(variable);
    variables.push(variable);
    last = offset + match[0].length;
  }
  if (last < source.length) parts.push(source.slice(last));
  if (!options.literalBraces) findStrayBraces(parts, source, problems);
  return { template: { source, parts, variables }, problems };
}

function toVariable(match: RegExpMatchArray, offset: number, problems: TemplateProblem[]): TemplateVariable {
  const source = match[0];
  const rootName = match[1];
  if (rootName === undefined) return { root: "keys", path: [], explode: match[3] === "*", source, offset };
  const root = rootName as VariableRoot;
  let body = match[2] ?? "";
  let fallback: string | undefined;
  if (root === "env") {
    const dash = body.indexOf(":-");
    if (dash >= 0) {
      fallback = body.slice(dash + 2);
      body = body.slice(0, dash);
    }
    if (!envName.test(body)) problems.push({ offset, message: `${source} is not a valid environment variable name` });
    return fallback === undefined
      ? { root, path: [body], explode: false, source, offset }
      : { root, path: [body], fallback, explode: false, source, offset };
  }
  if (root === "header") {
    if (!headerName.test(body)) problems.push({ offset, message: `${source} is not a valid header name` });
    return { root, path: [body.toLowerCase()], explode: false, source, offset };
  }
  const path = body.split(".");
  if (path.some((segment) => !identifier.test(segment) && !(root === "parent" && /^[^\s.{}]+$/.test(segment)))) {
    problems.push({ offset, message: `${source} is not a valid variable: expected {${root}.name} or a dot path` });
  }
  return { root, path, explode: false, source, offset };
}

function findStrayBraces(parts: TemplatePart[], source: string, problems: TemplateProblem[]): void {
  let offset = 0;
  for (const part of parts) {
    if (typeof part !== "string") {
      offset = part.offset + part.source.length;
      continue;
    }
    const stray = part.search(/[{}]/);
    if (stray >= 0) {
      const at = offset + stray;
      const rest = source.slice(at, at + 24);
      problems.push({
        offset: at,
        message: `malformed template near "${rest}": variables are {args.X}, {parent.X}, {env.X}, {header.X}, {context.X}`,
      });
    }
    offset += part.length;
  }
}

/** Reads a dot path from a JSON-like value; undefined when any step is missing. */
export function readPath(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}
