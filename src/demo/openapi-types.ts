/** The subset of OpenAPI 3.1 that the demo's document uses. */

export interface SchemaObject {
  type?: "object" | "array" | "string" | "integer" | "number" | "boolean" | "null";
  $ref?: string;
  anyOf?: SchemaObject[];
  title?: string;
  description?: string;
  format?: string;
  enum?: string[];
  properties?: Record<string, SchemaObject>;
  required?: string[];
  additionalProperties?: boolean | SchemaObject;
  items?: SchemaObject;
  minItems?: number;
  maxItems?: number;
  minimum?: number;
  maximum?: number;
  default?: unknown;
  examples?: unknown[];
}

export interface ParameterObject {
  name: string;
  in: "path" | "query" | "header";
  required: boolean;
  schema: SchemaObject;
  description?: string;
}

export interface MediaTypeObject {
  schema: SchemaObject;
}

export interface RequestBodyObject {
  required: boolean;
  content: Record<string, MediaTypeObject>;
}

export interface ResponseObject {
  description: string;
  content?: Record<string, MediaTypeObject>;
}

export interface OperationObject {
  tags: string[];
  summary: string;
  description?: string;
  operationId: string;
  parameters?: ParameterObject[];
  requestBody?: RequestBodyObject;
  responses: Record<string, ResponseObject>;
  security?: Record<string, string[]>[];
}

export type HttpVerb = "get" | "post" | "put" | "patch" | "delete";

export type PathItemObject = Partial<Record<HttpVerb, OperationObject>>;

export interface OpenApiDocument {
  openapi: "3.1.0";
  info: { title: string; version: string; description?: string };
  servers?: { url: string }[];
  paths: Record<string, PathItemObject>;
  components: {
    schemas: Record<string, SchemaObject>;
    securitySchemes?: Record<string, { type: "http"; scheme: string }>;
  };
}
