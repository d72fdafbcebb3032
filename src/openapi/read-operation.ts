import { appendPointer, isRecord, type RefResolver } from "./resolve-ref.js";

/**
 * One operation read into the normalized shape. OpenAPI 3.x: parameters (path item and
 * operation merged), `requestBody` and `responses[].content` as they are. Swagger 2.0: `in:
 * body` and `in: formData` parameters become the request body under the `consumes` media
 * types, and response schemas go under the `produces` ones.
 */

export interface MediaEntry {
  mediaType: string;
  schema: unknown;
  pointer: string;
  /** OpenAPI 3.2's `itemSchema`: one item of a sequential media type (an SSE event, an NDJSON line). */
  item?: { schema: unknown; pointer: string };
}

export interface NormalizedParameter {
  name: string;
  in: string;
  required: boolean;
  schema: unknown;
  /** Where `schema` is (Swagger 2.0 parameters are their own schema). */
  schemaPointer: string;
  pointer: string;
  description?: string;
  deprecated: boolean;
  /** True when a list should be sent comma-joined (`explode: false`, `collectionFormat: csv`). */
  joined: boolean;
}

export interface NormalizedResponse {
  status: string;
  content: MediaEntry[];
  pointer: string;
}

export interface NormalizedOperation {
  method: string;
  path: string;
  pointer: string;
  operationId?: string;
  summary?: string;
  description?: string;
  deprecated: boolean;
  parameters: NormalizedParameter[];
  requestBody?: { required: boolean; content: MediaEntry[]; description?: string };
  responses: NormalizedResponse[];
  /** The operation's own `security`, when it has one (else the document's applies). */
  security?: unknown[];
}

/** OpenAPI 3.0 / 3.1. */
export function readOperation(
  op: Record<string, unknown>,
  method: string,
  path: string,
  pointer: string,
  shared: unknown,
  itemPointer: string,
  resolver: RefResolver,
): NormalizedOperation {
  const parameters = mergeParameters(
    shared,
    appendPointer(itemPointer, "parameters"),
    op["parameters"],
    appendPointer(pointer, "parameters"),
    resolver,
  ).map(({ value, pointer: at }) => {
    const content = isRecord(value["content"]) ? readContent(value["content"], appendPointer(at, "content"))[0] : undefined;
    const style = value["style"];
    const explode = value["explode"];
    return {
      ...readParameterBase(value, at),
      schema: value["schema"] ?? content?.schema,
      schemaPointer: value["schema"] === undefined && content !== undefined ? content.pointer : appendPointer(at, "schema"),
      joined: explode === false || (explode === undefined && style !== undefined && style !== "form"),
    };
  });
  const normalized: NormalizedOperation = { ...readOperationBase(op, method, path, pointer), parameters, responses: [] };
  if (op["requestBody"] !== undefined) {
    const body = resolver.deref(op["requestBody"], appendPointer(pointer, "requestBody"));
    if (isRecord(body.value)) {
      normalized.requestBody = {
        required: body.value["required"] === true,
        content: isRecord(body.value["content"]) ? readContent(body.value["content"], appendPointer(body.pointer, "content")) : [],
        ...text(body.value, "description"),
      };
    }
  }
  const responses = isRecord(op["responses"]) ? op["responses"] : {};
  for (const [status, raw] of Object.entries(responses)) {
    const response = resolver.deref(raw, appendPointer(appendPointer(pointer, "responses"), status));
    if (!isRecord(response.value)) continue;
    const content = isRecord(response.value["content"])
      ? readContent(response.value["content"], appendPointer(response.pointer, "content"))
      : [];
    normalized.responses.push({ status, content, pointer: response.pointer });
  }
  return normalized;
}

/** Swagger 2.0: `in: body` and `in: formData` become the request body; `produces` keys the answers. */
export function readSwaggerOperation(
  root: Record<string, unknown>,
  op: Record<string, unknown>,
  method: string,
  path: string,
  pointer: string,
  shared: unknown,
  itemPointer: string,
  resolver: RefResolver,
): NormalizedOperation {
  const consumes = stringList(op["consumes"] ?? root["consumes"]) ?? ["application/json"];
  const produces = stringList(op["produces"] ?? root["produces"]) ?? ["application/json"];
  const all = mergeParameters(
    shared,
    appendPointer(itemPointer, "parameters"),
    op["parameters"],
    appendPointer(pointer, "parameters"),
    resolver,
  );
  const normalized: NormalizedOperation = { ...readOperationBase(op, method, path, pointer), parameters: [], responses: [] };
  const form: Record<string, unknown> = {};
  const formRequired: string[] = [];
  let hasFile = false;
  for (const { value, pointer: at } of all) {
    if (value["in"] === "body") {
      const schemaPointer = appendPointer(at, "schema");
      normalized.requestBody = {
        required: value["required"] === true,
        content: consumes.map((mediaType) => ({ mediaType, schema: value["schema"], pointer: schemaPointer })),
        ...text(value, "description"),
      };
    } else if (value["in"] === "formData") {
      form[String(value["name"])] = value;
      if (value["required"] === true) formRequired.push(String(value["name"]));
      hasFile ||= value["type"] === "file";
    } else {
      normalized.parameters.push({
        ...readParameterBase(value, at),
        schema: value,
        schemaPointer: at,
        joined: value["type"] === "array" && value["collectionFormat"] !== "multi",
      });
    }
  }
  if (Object.keys(form).length > 0) {
    const formTypes = consumes.filter((type) => type.startsWith("multipart/") || type === "application/x-www-form-urlencoded");
    const mediaTypes = hasFile ? ["multipart/form-data"] : formTypes.length > 0 ? formTypes : ["application/x-www-form-urlencoded"];
    const schema = { type: "object", properties: form, required: formRequired };
    normalized.requestBody = {
      required: formRequired.length > 0,
      content: mediaTypes.map((mediaType) => ({ mediaType, schema, pointer: appendPointer(pointer, "parameters") })),
    };
  }
  const responses = isRecord(op["responses"]) ? op["responses"] : {};
  for (const [status, raw] of Object.entries(responses)) {
    const response = resolver.deref(raw, appendPointer(appendPointer(pointer, "responses"), status));
    if (!isRecord(response.value)) continue;
    const schema = response.value["schema"];
    const content =
      schema === undefined ? [] : produces.map((mediaType) => ({ mediaType, schema, pointer: appendPointer(response.pointer, "schema") }));
    normalized.responses.push({ status, content, pointer: response.pointer });
  }
  return normalized;
}

function readOperationBase(op: Record<string, unknown>, method: string, path: string, pointer: string) {
  return {
    method,
    path,
    pointer,
    ...text(op, "operationId"),
    ...text(op, "summary"),
    ...text(op, "description"),
    deprecated: op["deprecated"] === true,
    ...(Array.isArray(op["security"]) ? { security: op["security"] } : {}),
  };
}

function readParameterBase(value: Record<string, unknown>, pointer: string) {
  return {
    name: String(value["name"] ?? ""),
    in: String(value["in"] ?? ""),
    required: value["required"] === true || value["in"] === "path",
    pointer,
    ...text(value, "description"),
    deprecated: value["deprecated"] === true,
  };
}

/** Path-item parameters, overridden by the operation's own with the same name and location. */
function mergeParameters(shared: unknown, sharedPointer: string, own: unknown, ownPointer: string, resolver: RefResolver) {
  const merged = new Map<string, { value: Record<string, unknown>; pointer: string }>();
  for (const [list, at] of [
    [shared, sharedPointer],
    [own, ownPointer],
  ] as const) {
    if (!Array.isArray(list)) continue;
    list.forEach((raw, index) => {
      const found = resolver.deref(raw, appendPointer(at, index));
      if (isRecord(found.value))
        merged.set(`${String(found.value["in"])}\u0000${String(found.value["name"])}`, { value: found.value, pointer: found.pointer });
    });
  }
  return [...merged.values()];
}

function readContent(content: Record<string, unknown>, pointer: string): MediaEntry[] {
  return Object.entries(content).map(([mediaType, media]) => {
    const at = appendPointer(pointer, mediaType);
    const item = isRecord(media) ? media["itemSchema"] : undefined;
    return {
      mediaType,
      schema: isRecord(media) ? media["schema"] : undefined,
      pointer: appendPointer(at, "schema"),
      ...(item === undefined ? {} : { item: { schema: item, pointer: appendPointer(at, "itemSchema") } }),
    };
  });
}

export function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : undefined;
}

function text<K extends string>(record: Record<string, unknown>, key: K): { [P in K]?: string } {
  const value = record[key];
  return typeof value === "string" && value.trim() !== "" ? ({ [key]: value } as { [P in K]?: string }) : {};
}
