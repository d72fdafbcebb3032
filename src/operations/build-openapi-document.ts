import { Kind, typeFromAST, type FragmentDefinitionNode, type GraphQLInputType, type GraphQLSchema } from "graphql";
import type { OperationPlan } from "./build-operation-plans.js";
import { inputJsonSchema, isJsonText, withDescription, type JsonSchema, type SchemaDefinitions } from "./input-json-schema.js";
import { selectionJsonSchema } from "./selection-json-schema.js";

const problemRef = { $ref: "#/components/schemas/Problem" };
const problemResponse = (description: string) => ({ description, content: { "application/problem+json": { schema: problemRef } } });

/**
 * The OpenAPI 3.1 document of /api: per operation, GET (queries) with one query parameter per
 * variable (lists exploded, input objects as JSON text) and POST with a JSON object of variables;
 * the 200 answer's schema is read from the selection set, errors are RFC 9457 problems.
 * Descriptions come from the operations' own comments and the schema's argument descriptions.
 */
export function buildOpenApiDocument(schema: GraphQLSchema, plans: readonly OperationPlan[], apiPath: string): JsonSchema {
  const definitions: SchemaDefinitions = { refBase: "#/components/schemas/", schemas: new Map() };
  const paths: Record<string, JsonSchema> = {};
  for (const plan of plans) {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const definition of plan.document.definitions)
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    const variables = (plan.definition.variableDefinitions ?? []).map((definition) => {
      const name = definition.variable.name.value;
      const type = typeFromAST(schema, definition.type) as GraphQLInputType;
      const required = definition.type.kind === Kind.NON_NULL_TYPE && definition.defaultValue === undefined;
      return { name, type, required, description: plan.variableDescriptions.get(name) };
    });
    const responses = {
      "200": {
        description: `The operation's data.`,
        content: { "application/json": { schema: selectionJsonSchema(schema, plan.definition, fragments) } },
      },
      "400": problemResponse("Variables that do not fit the operation, or a request limit."),
      "502": problemResponse("An upstream answered with an error or could not be reached; `data` holds what could be read."),
      "504": problemResponse("An upstream did not answer in time; `data` holds what could be read."),
      default: problemResponse("Any other error, as problem JSON with the GraphQL errors and their codes."),
    };
    const common = { summary: plan.description?.split("\n")[0], description: plan.description, tags: [plan.kind] };
    const properties: Record<string, JsonSchema> = {};
    for (const variable of variables)
      properties[variable.name] = withDescription(inputJsonSchema(variable.type, definitions), variable.description);
    const body: JsonSchema = { type: "object", properties, additionalProperties: false };
    const required = variables.filter((variable) => variable.required).map((variable) => variable.name);
    if (required.length > 0) body["required"] = required;
    const item: JsonSchema = {
      post: {
        ...common,
        operationId: plan.kind === "query" ? `${plan.name}ByPost` : plan.name,
        requestBody: { required: required.length > 0, content: { "application/json": { schema: body } } },
        responses,
      },
    };
    if (plan.kind === "query") {
      const parameters = variables.map((variable) => {
        const schema = inputJsonSchema(variable.type, definitions);
        const parameter: JsonSchema = { name: variable.name, in: "query", required: variable.required };
        if (variable.description) parameter["description"] = variable.description;
        // An input object (or a list of lists) travels as JSON text: described as content, not a style.
        if (isJsonText(variable.type)) parameter["content"] = { "application/json": { schema } };
        else Object.assign(parameter, { schema, style: "form", explode: true });
        return parameter;
      });
      item["get"] = { ...common, operationId: plan.name, parameters, responses };
    }
    paths[`${apiPath}/${plan.name}`] = item;
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Trestle operations",
      version: "1.0.0",
      description: "The named operations this server serves as REST endpoints; errors are RFC 9457 problem JSON.",
    },
    paths,
    components: { schemas: { ...Object.fromEntries(definitions.schemas), Problem: problemSchema } },
  };
}

const problemSchema: JsonSchema = {
  type: "object",
  description: "RFC 9457 problem details, with the GraphQL errors (codes in extensions.code) and the partial data.",
  properties: {
    type: { type: "string", format: "uri" },
    title: { type: "string" },
    status: { type: "integer" },
    detail: { type: "string" },
    errors: {
      type: "array",
      items: {
        type: "object",
        properties: { message: { type: "string" }, path: { type: "array" }, extensions: { type: "object" } },
        required: ["message"],
      },
    },
    data: { description: "What the operation could read before the error (absent when it did not run)." },
  },
  required: ["type", "title", "status", "detail"],
};
