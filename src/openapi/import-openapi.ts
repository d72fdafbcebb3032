import { trestleTypeNames } from "../sdl/directives.js";
import { applyPrefix } from "./apply-prefix.js";
import { SchemaClassifier } from "./classify-schema.js";
import { detectNaming } from "./detect-naming.js";
import { NameRegistry, toPascalCase, toTypeName } from "./graphql-names.js";
import { loadOpenApiSource } from "./load-document.js";
import { mapOperations } from "./map-operations.js";
import { SchemaMapper } from "./map-schema.js";
import { mapSecurity } from "./map-security.js";
import { nameOperations } from "./name-operation.js";
import { normalizeDocument } from "./normalize-document.js";
import type { Naming } from "./plan-object-fields.js";
import { OpenApiImportError } from "./openapi-import-error.js";
import { printSdl } from "./print-sdl.js";
import { createRefResolver } from "./resolve-ref.js";
import { customScalarNames } from "./scalar-types.js";
import type { SdlDirective, SdlDocument, SdlField, SdlValue } from "./sdl-model.js";
import { selectBaseUrl } from "./select-base-url.js";
import { planPolls } from "./plan-polls.js";

/**
 * OpenAPI (Swagger 2.0, OpenAPI 3.0, 3.1) → Trestle SDL: one `@upstream`, a Query field per GET,
 * a Mutation field per other operation, a Subscription field per operation that answers a
 * stream (SSE, NDJSON), and the types their parameters, bodies and answers
 * need. The mapping rules are in docs/openapi-import.md.
 */

export interface ImportOpenApiOptions {
  /** The `@upstream` name the fields call, e.g. "petstore". Letters, digits, `_` and `-`. */
  upstream: string;
  /**
   * Base URL to call instead of the spec's `servers` (Swagger: `host` + `basePath`), used as given.
   * @default the first server, as `{env.<UPSTREAM>_URL:-<server>}`
   * @example "https://api.example.com/v1"
   */
  baseUrl?: string;
  /** Where the spec was fetched from; relative server URLs resolve against it. */
  specUrl?: string;
  /**
   * Begins every generated type name (`Airflow<Name>`) and root field name (`airflow<Name>`),
   * for documents imported side by side. Letters and digits.
   * @example "airflow"
   */
  prefix?: string;
  /**
   * `"string"`: every string enum becomes a `String` whose description lists the values, for
   * value sets likely to grow (an upstream value the schema does not know is then no error).
   * @default "enum"
   */
  enums?: "enum" | "string";
}

export interface ImportSummary {
  imported: number;
  skipped: Array<{ method: string; path: string; reason: string }>;
  /** Things to look at by hand: a guessed base URL, auth that is not forwarded, a placeholder Query. */
  warnings: string[];
}

export { OpenApiImportError };

/** Loads a spec from a file path (JSON or YAML) or an http(s) URL. */
export async function loadOpenApiDocument(spec: string): Promise<unknown> {
  return (await loadOpenApiSource(spec)).document;
}

const builtInNames = ["String", "Int", "Float", "Boolean", "ID", "Query", "Mutation", "Subscription"];

export function importOpenApi(document: unknown, options: ImportOpenApiOptions): { sdl: string; summary: ImportSummary } {
  if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(options.upstream)) {
    throw new OpenApiImportError(
      `upstream name must be letters, digits, "_" or "-" (it names /rest/<upstream>/ routes), received ${JSON.stringify(options.upstream)}`,
    );
  }
  const resolver = createRefResolver(document);
  const spec = normalizeDocument(document, resolver);
  const naming = detectNaming(document);
  const names = new NameRegistry([...builtInNames, ...customScalarNames, ...trestleTypeNames]);
  const fieldNames = nameOperations(spec.operations);
  const bodyNames = new Map(
    spec.operations.flatMap((op) => (op.operationId === undefined ? [] : [[`Body_${op.operationId}`, fieldNames.get(op)]])),
  );
  // Component schemas claim their names first, so inline types never take them.
  const refNames = new Map(
    spec.schemaPointers.map(({ name, pointer }) => [pointer, names.claim(fastApiBodyName(bodyNames.get(name)) ?? toTypeName(name))]),
  );
  const classifier = new SchemaClassifier(resolver);
  const mapper = new SchemaMapper({
    classifier,
    naming,
    names,
    refNames,
    ...(options.enums === undefined ? {} : { enums: options.enums }),
  });
  const security = mapSecurity(spec);
  const base = selectBaseUrl(spec.servers, options);
  const operations = mapOperations(spec.operations, fieldNames, { upstream: options.upstream, mapper, classifier, security });
  // Trigger-then-poll pairs: a poll: Subscription field beside the GET's Query field (plan-polls.ts).
  const polls = planPolls(spec.operations, fieldNames, operations.query, resolver);

  const warnings = [...(base.warning === undefined ? [] : [base.warning]), ...security.warnings];
  if (spec.webhookCount > 0)
    warnings.push(`${spec.webhookCount} webhooks are requests the API sends, not operations to call; they are not imported`);
  const imported = operations.query.length + operations.mutation.length + operations.subscription.length;
  if (operations.query.length === 0) {
    warnings.push("no GET operation was imported, so Query holds only the placeholder field _empty (GraphQL requires a Query type)");
    operations.query.push(placeholderQueryField());
  }
  if (mapper.usesEnumValueDirective)
    warnings.push("some enum values were renamed to valid GraphQL names; @enumValue(value:) keeps each original");

  const skipped = operations.skipped.map(
    ({ method, path, operationId, reason }) => `- ${method} ${path}${operationId === undefined ? "" : ` (${operationId})`}: ${reason}`,
  );
  const sdlDocument: SdlDocument = {
    header: [
      `Imported by \`trestle import openapi\` from ${JSON.stringify(spec.title)} ${spec.apiVersion} (${spec.version === "2.0" ? "Swagger" : "OpenAPI"} ${spec.versionText}).`,
      `${imported} operations imported, ${operations.skipped.length} skipped. Re-running the import overwrites this file.`,
      "Links between types (parent-keyed @rest fields) are added by hand: see Trestle's docs/openapi-import.md.",
      ...warnings.map((warning) => `warning: ${warning}`),
      ...[...mapper.notes].sort().map((note) => `note: ${note}`),
    ],
    schemaDirectives: [upstreamDirective(options.upstream, base.baseUrl, naming, security.headers, isFastApi(spec.schemaPointers))],
    // @enumValue is one of Trestle's own directives (directives.graphql): no definition needed.
    directiveDefinitions: [],
    skipped: skipped.length === 0 ? [] : ["Not imported (the bridge cannot call these cleanly; see docs/openapi-import.md):", ...skipped],
    query: operations.query,
    mutation: operations.mutation,
    subscription: [...operations.subscription, ...polls.subscription],
    types: mapper.getTypes(),
  };
  return {
    sdl: printSdl(options.prefix === undefined ? sdlDocument : applyPrefix(sdlDocument, options.prefix)),
    summary: { imported, skipped: operations.skipped.map(({ method, path, reason }) => ({ method, path, reason })), warnings },
  };
}

function upstreamDirective(
  name: string,
  baseUrl: string,
  naming: Naming,
  headers: ReadonlyArray<{ name: string; from: string }>,
  fastApi: boolean,
): SdlDirective {
  const args: Array<[string, SdlValue]> = [
    ["name", name],
    ["baseUrl", baseUrl],
  ];
  if (naming === "SNAKE_CASE") args.push(["naming", { enum: "SNAKE_CASE" }]);
  if (headers.length > 0)
    args.push([
      "headers",
      headers.map((header) => ({
        fields: [
          ["name", header.name],
          ["from", header.from],
        ] as Array<[string, SdlValue]>,
      })),
    ]);
  // FastAPI answers a request it cannot validate with 422 and a `detail` list naming each bad value: clients may see it.
  if (fastApi) args.push(["errors", { fields: [["expose", [422]]] }]);
  return { name: "upstream", args };
}

/** FastAPI documents carry its validation error schemas in their components. */
function isFastApi(schemas: ReadonlyArray<{ name: string }>): boolean {
  const names = new Set(schemas.map((schema) => schema.name));
  return names.has("HTTPValidationError") && names.has("ValidationError");
}

/**
 * FastAPI names the body model of an operation with several body parameters `Body_<operationId>`
 * (`Body_read_flows_flows_filter_post`); it is that operation's input: `ReadFlowsInput`.
 */
function fastApiBodyName(fieldName: string | undefined): string | undefined {
  return fieldName === undefined ? undefined : `${toPascalCase(fieldName)}Input`;
}

function placeholderQueryField(): SdlField {
  return {
    name: "_empty",
    description:
      "Placeholder: GraphQL requires a Query type and this API has no GET operation that could be imported. Always null; remove it once another file defines Query fields.",
    args: [],
    type: "Boolean",
    directives: [],
    comments: [],
  };
}
