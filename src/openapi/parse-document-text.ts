import { parseDocument } from "yaml";
import { findJsonSyntaxError } from "./find-json-syntax-error.js";
import { OpenApiImportError } from "./openapi-import-error.js";

/**
 * Parses a spec's text: JSON when it is named or looks like JSON, else YAML 1.2 (the core schema,
 * so `2024-01-01` stays a string and `y` is not a boolean; `<<` merge keys allowed). Errors are
 * one line: `location:line:col: what is wrong`.
 */
export function parseDocumentText(text: string, location: string): unknown {
  const source = text.replace(/^\uFEFF/, "");
  const json = /\.json$/i.test(location) || (/^\s*[{[]/.test(source) && !/\.ya?ml$/i.test(location));
  if (json) {
    try {
      return JSON.parse(source);
    } catch (error) {
      const found = findJsonSyntaxError(source) ?? { offset: 0, message: (error as Error).message.split("\n")[0] ?? "" };
      const before = source.slice(0, found.offset).split("\n");
      const place = `${before.length}:${(before.at(-1)?.length ?? 0) + 1}`;
      throw new OpenApiImportError(`${location}:${place}: JSON syntax error: ${found.message}`, { cause: error });
    }
  }
  const document = parseDocument(source, { merge: true, prettyErrors: true });
  const error = document.errors[0];
  if (error !== undefined) {
    const place = error.linePos?.[0];
    const message = (error.message.split("\n")[0] ?? error.code).replace(/ at line \d+, column \d+:?$/, "");
    const at = place === undefined ? location : `${location}:${place.line}:${place.col}`;
    throw new OpenApiImportError(`${at}: YAML syntax error: ${message}`, { cause: error });
  }
  try {
    return document.toJS({ maxAliasCount: 10_000 });
  } catch (error) {
    throw new OpenApiImportError(`${location}: cannot read the YAML: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
}
