import { buildASTSchema, parse, validateSchema, type GraphQLSchema } from "graphql";
import { importOpenApi, type ImportOpenApiOptions, type ImportSummary } from "../../src/openapi/import-openapi.js";
import { checkSchemaSources } from "../../src/sdl/check-schema.js";
import { directiveDefinitions } from "../../src/sdl/directives.js";

/**
 * Imports `document` and proves the SDL usable: it builds with graphql-js next to Trestle's
 * directive definitions, passes graphql's schema validation, and `trestle check` finds no error.
 */
export function importAndBuild(
  document: unknown,
  options: ImportOpenApiOptions = { upstream: "api" },
): { sdl: string; summary: ImportSummary; schema: GraphQLSchema } {
  const { sdl, summary } = importOpenApi(document, options);
  return { sdl, summary, schema: assertBuilds(sdl) };
}

/** Builds imported SDL as `importAndBuild` does, throwing with every problem found. */
export function assertBuilds(sdl: string): GraphQLSchema {
  const schema = buildASTSchema(parse(directiveDefinitions + sdl));
  const invalid = validateSchema(schema).map((error) => error.message);
  if (invalid.length > 0) throw new Error(`invalid schema: ${invalid.join("; ")}\n${sdl}`);
  const errors = checkSchemaSources([{ name: "imported.graphql", body: sdl }], {}).filter((d) => d.severity === "error");
  if (errors.length > 0) throw new Error(`trestle check: ${errors.map((d) => `${d.line}:${d.column} ${d.message}`).join("; ")}\n${sdl}`);
  return schema;
}

/** The SDL block that starts with `head` (`type Pet`, `input PetInput`, `enum Status`), up to its closing line. */
export function block(sdl: string, head: string): string {
  const lines = sdl.split("\n");
  const start = lines.findIndex((line) => line === `${head} {` || line.startsWith(`${head} =`) || line === head);
  if (start < 0) throw new Error(`no "${head}" in:\n${sdl}`);
  if (lines[start]?.startsWith("union") || lines[start]?.startsWith("scalar")) {
    const end = lines.findIndex((line, i) => i > start && line === "");
    return lines.slice(start, end < 0 ? undefined : end).join("\n");
  }
  const end = lines.findIndex((line, i) => i > start && line === "}");
  return lines.slice(start, end + 1).join("\n");
}

/** A minimal OpenAPI 3.1 document: `paths` and `components.schemas` as given. */
export function openapi31(
  paths: Record<string, unknown>,
  schemas: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    openapi: "3.1.0",
    info: { title: "Test API", version: "1.0" },
    servers: [{ url: "https://api.example.com/v1" }],
    paths,
    components: { schemas },
    ...extra,
  };
}

/** A GET operation answering 200 with `schema` as JSON. */
export function getReturning(schema: unknown, operationId = "getThing"): Record<string, unknown> {
  return { get: { operationId, responses: { "200": { description: "ok", content: { "application/json": { schema } } } } } };
}

/**
 * SDL with its layout taken out (white space runs and commas made one space, block-string
 * quotes and parentheses tight), so that tests match fields and directives however the printer wraps them.
 */
export function flat(sdl: string): string {
  return sdl
    .replace(/[\s,]+/g, " ")
    .replace(/""" /g, '"""')
    .replace(/ """/g, '"""')
    .replace(/\( /g, "(")
    .replace(/ \)/g, ")");
}
