import { ref, titleOf } from "./openapi-schemas.js";
import type { HttpVerb, OperationObject, ParameterObject, ResponseObject, SchemaObject } from "./openapi-types.js";

/** One operation of the document, in the terms a FastAPI route declares. */
export interface OperationSpec {
  /** The Python function's name: FastAPI derives the operationId and summary from it. */
  fn: string;
  description?: string;
  params?: ParameterObject[];
  /** Name of the request body's component schema. */
  body?: string;
  /** Name of a `multipart/form-data` request body's component schema (file uploads). */
  form?: string;
  /** Success status and the schema of its body (none for a 204). */
  ok: [status: number, schema?: SchemaObject];
  notFound?: boolean;
  extra?: Record<string, ResponseObject>;
  security?: Record<string, string[]>[];
}

/** An operation in FastAPI's shape: generated operationId, and a 422 wherever input is validated. */
export function buildOperation(verb: HttpVerb, path: string, tag: string, spec: OperationSpec): OperationObject {
  const [status, schema] = spec.ok;
  const responses: Record<string, ResponseObject> = {
    [String(status)]: schema === undefined ? { description: "Successful Response" } : jsonResponse("Successful Response", schema),
  };
  if (spec.notFound === true) responses["404"] = jsonResponse("Not Found", ref("HTTPError"));
  Object.assign(responses, spec.extra);
  if ((spec.params?.length ?? 0) > 0 || spec.body !== undefined || spec.form !== undefined) {
    responses["422"] = jsonResponse("Validation Error", ref("HTTPValidationError"));
  }
  return {
    tags: [tag],
    summary: titleOf(spec.fn),
    ...(spec.description === undefined ? {} : { description: spec.description }),
    // FastAPI's generate_unique_id(): function name + path, non-word characters as "_", + method.
    operationId: `${spec.fn}${path}`.replace(/\W/g, "_") + `_${verb}`,
    ...(spec.params === undefined ? {} : { parameters: spec.params }),
    ...(spec.body === undefined ? {} : { requestBody: { required: true, content: { "application/json": { schema: ref(spec.body) } } } }),
    ...(spec.form === undefined ? {} : { requestBody: { required: true, content: { "multipart/form-data": { schema: ref(spec.form) } } } }),
    responses,
    ...(spec.security === undefined ? {} : { security: spec.security }),
  };
}

export function jsonResponse(description: string, schema: SchemaObject): ResponseObject {
  return { description, content: { "application/json": { schema } } };
}

export function pathParam(name: string, schema: SchemaObject = { type: "string" }): ParameterObject {
  return { name, in: "path", required: true, schema: { ...schema, title: titleOf(name) } };
}

export function queryParam(name: string, schema: SchemaObject, description?: string): ParameterObject {
  return {
    name,
    in: "query",
    required: false,
    schema: { ...schema, title: titleOf(name) },
    ...(description === undefined ? {} : { description }),
  };
}
