import { Kind, print } from "graphql";
import type { SdlDirective, SdlDocument, SdlEnumValue, SdlField, SdlInputValue, SdlType, SdlValue } from "./sdl-model.js";

/**
 * Formats the importer's SDL: two-space indents, descriptions as block strings, directives on
 * the field's line while it stays under `maxWidth`, else one per line (and their arguments one
 * per line when a directive alone is too wide). Types come sorted by name so that re-imports
 * of a changed spec give small diffs.
 */

const maxWidth = 100;

export function printSdl(document: SdlDocument): string {
  const blocks: string[] = [];
  if (document.header.length > 0) blocks.push(printComments(document.header, "").trimEnd());
  blocks.push(`extend schema${printDirectives(document.schemaDirectives, "", "extend schema".length, true)}`);
  blocks.push(...document.directiveDefinitions);
  const scalars = document.types.filter((type) => type.kind === "scalar");
  const others = document.types.filter((type) => type.kind !== "scalar");
  for (const type of sortByName(scalars)) blocks.push(printType(type));
  if (document.skipped.length > 0) blocks.push(printComments(document.skipped, "").trimEnd());
  if (document.query.length > 0) blocks.push(printFields("type Query", document.query));
  if (document.mutation.length > 0) blocks.push(printFields("type Mutation", document.mutation));
  if ((document.subscription ?? []).length > 0) blocks.push(printFields("type Subscription", document.subscription!));
  for (const type of sortByName(others)) blocks.push(printType(type));
  return `${blocks.join("\n\n")}\n`;
}

function sortByName<T extends { name: string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function printType(type: SdlType): string {
  const head = printComments(type.comments, "") + printDescription(type.description, "");
  switch (type.kind) {
    case "scalar":
      return `${head}scalar ${type.name}${printDirectives(type.directives, "", `scalar ${type.name}`.length)}`;
    case "object":
      return head + printFields(`type ${type.name}`, type.fields);
    case "input":
      return `${head}input ${type.name} {\n${spaced(type.fields.map((field) => printInputValue(field, "  ")))}\n}`;
    case "enum":
      return `${head}enum ${type.name} {\n${spaced(type.values.map((value) => printEnumValue(value)))}\n}`;
    case "union": {
      const inline = `union ${type.name} = ${type.members.join(" | ")}`;
      return head + (inline.length <= maxWidth ? inline : `union ${type.name} =\n${type.members.map((m) => `  | ${m}`).join("\n")}`);
    }
  }
}

function printFields(head: string, fields: readonly SdlField[]): string {
  return `${head} {\n${spaced(fields.map((field) => printField(field)))}\n}`;
}

/** Members that take more than one line (a description, comments) stand apart by a blank line. */
function spaced(members: readonly string[]): string {
  return members
    .map((text, index) => (index > 0 && (text.includes("\n") || members[index - 1]?.includes("\n")) ? `\n${text}` : text))
    .join("\n");
}

function printField(field: SdlField): string {
  const indent = "  ";
  const head = printComments(field.comments, indent) + printDescription(field.description, indent);
  let signature = `${indent}${field.name}`;
  if (field.args.length > 0) {
    const inline = `(${field.args.map((arg) => printInputValue(arg, "")).join(", ")})`;
    const multiline =
      field.args.some((arg) => arg.description !== undefined) || signature.length + inline.length + field.type.length + 2 > maxWidth;
    signature += multiline ? `(\n${field.args.map((arg) => printInputValue(arg, `${indent}  `)).join("\n")}\n${indent})` : inline;
  }
  signature += `: ${field.type}`;
  const lastLine = signature.slice(signature.lastIndexOf("\n") + 1);
  return head + signature + printDirectives(field.directives, indent, lastLine.length);
}

function printInputValue(value: SdlInputValue, indent: string): string {
  const defaultValue = value.defaultValue === undefined ? "" : ` = ${printValue(value.defaultValue)}`;
  const text = `${indent}${value.name}: ${value.type}${defaultValue}`;
  return printDescription(value.description, indent) + text + printDirectives(value.directives, indent, text.length);
}

function printEnumValue(value: SdlEnumValue): string {
  const text = `  ${value.name}`;
  return printDescription(value.description, "  ") + text + printDirectives(value.directives, "  ", text.length);
}

/**
 * Directives after a definition that already takes `used` columns: on the same line if they
 * fit, else each on its own line below, indented one step deeper than the definition.
 */
function printDirectives(directives: readonly SdlDirective[], indent: string, used: number, forceBreak = false): string {
  if (directives.length === 0) return "";
  const inline = directives.map((directive) => printDirective(directive)).join(" ");
  if (!forceBreak && used + 1 + inline.length <= maxWidth) return ` ${inline}`;
  const inner = `${indent}  `;
  return directives
    .map((directive) => {
      const flat = printDirective(directive);
      if (inner.length + flat.length <= maxWidth || directive.args.length === 0) return `\n${inner}${flat}`;
      const args = directive.args.map(([name, value]) => `${inner}  ${name}: ${printValue(value)}`).join("\n");
      return `\n${inner}@${directive.name}(\n${args}\n${inner})`;
    })
    .join("");
}

function printDirective(directive: SdlDirective): string {
  if (directive.args.length === 0) return `@${directive.name}`;
  return `@${directive.name}(${directive.args.map(([name, value]) => `${name}: ${printValue(value)}`).join(", ")})`;
}

export function printValue(value: SdlValue): string {
  if (typeof value === "string") return printString(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return `[${value.map(printValue).join(", ")}]`;
  if ("enum" in value) return value.enum;
  return `{ ${value.fields.map(([name, item]) => `${name}: ${printValue(item)}`).join(", ")} }`;
}

/** A one-line GraphQL string; JSON's escapes are all valid GraphQL escapes. */
export function printString(value: string): string {
  return JSON.stringify(value).replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}

function printDescription(description: string | undefined, indent: string): string {
  if (description === undefined) return "";
  const clean = cleanText(description);
  if (clean === "") return "";
  const block = print({ kind: Kind.STRING, value: clean, block: true });
  return `${block
    .split("\n")
    .map((line) => (line === "" ? line : indent + line))
    .join("\n")}\n`;
}

function printComments(lines: readonly string[], indent: string): string {
  return lines.map((line) => `${indent}#${line === "" ? "" : ` ${cleanText(line).replace(/\s*\n\s*/g, " ")}`}\n`).join("");
}

/** Text GraphQL source may hold: no control characters but tab and newline, no trailing blanks. */
function cleanText(text: string): string {
  return (
    text
      .replace(/\r\n?/g, "\n")
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, "")
      .split("\n")
      .map((line) => line.trimEnd())
      .join("\n")
      .trim()
  );
}
