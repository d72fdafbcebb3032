import type { ScalarName } from "./classify-schema.js";
import type { SdlType } from "./sdl-model.js";

/**
 * The custom scalars the importer may declare. All but Upload are pass-through (graphql-js's
 * default for a declared scalar): values travel as the JSON had them. Upload takes the files
 * of a GraphQL multipart request (the runtime's upload route).
 */
const scalarDefinitions: Record<
  Exclude<ScalarName, "String" | "Int" | "Float" | "Boolean">,
  { description: string; specifiedBy?: string }
> = {
  JSON: { description: "Any JSON value, passed through as the upstream sent it." },
  DateTime: {
    description: "A date and time as an RFC 3339 string (2024-05-01T12:00:00Z), passed through unchanged.",
    specifiedBy: "https://www.rfc-editor.org/rfc/rfc3339",
  },
  Date: {
    description: "A calendar date as an RFC 3339 full-date string (2024-05-01), passed through unchanged.",
    specifiedBy: "https://www.rfc-editor.org/rfc/rfc3339",
  },
  Int64: { description: "A 64-bit integer, passed through unchanged (GraphQL's Int holds 32 bits)." },
  Upload: { description: "A file sent in a GraphQL multipart request; Trestle streams it upstream as a file part." },
};

/** Names no imported type may take. */
export const customScalarNames: readonly string[] = Object.keys(scalarDefinitions);

/** The `scalar` definition for `name`, or undefined for GraphQL's built-in scalars. */
export function buildScalarType(name: ScalarName): SdlType | undefined {
  const definition = scalarDefinitions[name as keyof typeof scalarDefinitions];
  if (definition === undefined) return undefined;
  const directives =
    definition.specifiedBy === undefined ? [] : [{ name: "specifiedBy", args: [["url", definition.specifiedBy] as [string, string]] }];
  return { kind: "scalar", name, description: definition.description, comments: [], directives };
}
