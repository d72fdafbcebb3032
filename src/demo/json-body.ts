import { assertNoIssues, unprocessable, type ValidationIssue } from "./http-error.js";

export type JsonObject = Record<string, unknown>;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The request body as an object, or a FastAPI 422 (`missing` when empty). */
export function requireObjectBody(body: unknown): JsonObject {
  if (body === undefined) throw unprocessable({ type: "missing", loc: ["body"], msg: "Field required", input: null });
  if (!isJsonObject(body)) {
    const msg = "Input should be a valid dictionary or object to extract fields from";
    throw unprocessable({ type: "model_attributes_type", loc: ["body"], msg, input: body });
  }
  return body;
}

/** An optional body: an empty one reads as `{}`. */
export function optionalObjectBody(body: unknown): JsonObject {
  return body === undefined ? {} : requireObjectBody(body);
}

/** Checks a list of strings at `loc`, appending issues; answers the list when valid. */
export function checkStringList(value: unknown, loc: (string | number)[], issues: ValidationIssue[]): string[] | undefined {
  if (!Array.isArray(value)) {
    issues.push({ type: "list_type", loc, msg: "Input should be a valid list", input: value });
    return undefined;
  }
  const before = issues.length;
  value.forEach((item: unknown, index) => {
    if (typeof item !== "string")
      issues.push({ type: "string_type", loc: [...loc, index], msg: "Input should be a valid string", input: item });
  });
  return issues.length === before ? (value as string[]) : undefined;
}

/** A required list-of-strings field of a body object, or a 422. */
export function requireStringListField(body: JsonObject, key: string): string[] {
  if (body[key] === undefined) throw unprocessable({ type: "missing", loc: ["body", key], msg: "Field required", input: body });
  const issues: ValidationIssue[] = [];
  const list = checkStringList(body[key], ["body", key], issues);
  assertNoIssues(issues);
  return list ?? [];
}
