import { Kind, typeFromAST, type FragmentDefinitionNode, type GraphQLInputType, type GraphQLSchema } from "graphql";
import type { OperationPlan } from "./build-operation-plans.js";
import { inputJsonSchema, withDescription, type JsonSchema, type SchemaDefinitions } from "./input-json-schema.js";
import { selectionJsonSchema } from "./selection-json-schema.js";

/** An MCP tool as `tools/list` lists it (MCP 2025-06-18 §Tools). */
export interface McpTool {
  name: string;
  title: string;
  description?: string;
  inputSchema: JsonSchema & { type: "object" };
  outputSchema: JsonSchema & { type: "object" };
  annotations: { readOnlyHint: boolean; openWorldHint: boolean };
}

/**
 * Each operation as an MCP tool: its input schema from the variables (non-null ones without a
 * default required, enums as enums, input objects under `$defs`, descriptions from the
 * arguments they feed), its output schema from the selection set (`structuredContent` is the
 * operation's `data`). Queries are marked read-only.
 */
export function buildMcpTools(schema: GraphQLSchema, plans: readonly OperationPlan[]): McpTool[] {
  return plans.map((plan) => {
    const definitions: SchemaDefinitions = { refBase: "#/$defs/", schemas: new Map() };
    const properties: Record<string, JsonSchema> = {};
    const required: string[] = [];
    for (const definition of plan.definition.variableDefinitions ?? []) {
      const name = definition.variable.name.value;
      const type = typeFromAST(schema, definition.type) as GraphQLInputType;
      properties[name] = withDescription(inputJsonSchema(type, definitions), plan.variableDescriptions.get(name));
      if (definition.type.kind === Kind.NON_NULL_TYPE && definition.defaultValue === undefined) required.push(name);
    }
    const inputSchema: JsonSchema & { type: "object" } = { type: "object", properties, additionalProperties: false };
    if (required.length > 0) inputSchema["required"] = required;
    if (definitions.schemas.size > 0) inputSchema["$defs"] = Object.fromEntries(definitions.schemas);
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const definition of plan.document.definitions)
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    const tool: McpTool = {
      name: plan.name,
      title: plan.description?.split("\n")[0] ?? plan.name,
      inputSchema,
      outputSchema: selectionJsonSchema(schema, plan.definition, fragments) as JsonSchema & { type: "object" },
      annotations: { readOnlyHint: plan.kind === "query", openWorldHint: true },
    };
    if (plan.description !== undefined) tool.description = plan.description;
    return tool;
  });
}
