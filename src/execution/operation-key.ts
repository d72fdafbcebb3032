import * as crypto from "node:crypto";
import type { OperationTypeNode } from "graphql";
import { stableJson } from "../connector/stable-json.js";

/**
 * The parts of a whole operation's key that the result cache (create-operation-results.ts) and
 * whole-operation `dedupe` (create-operation-flights.ts) share: the variables as stable JSON and
 * the hashed values of the client headers the operation's reads depended on.
 */

/** Variables larger than this (as stable JSON) are never keyed on: such requests are rarely repeated. */
const maxVariablesLength = 8192;

/** After this many executions in a row that could not be kept or shared, an operation is tried again only every {@link retryEvery}th time. */
export const giveUpAfter = 16;
export const retryEvery = 64;

/** The variables as stable JSON, or undefined when too large (or nested past the stack's depth) to key on. */
export function keyOfVariables(variables: Record<string, unknown> | undefined): string | undefined {
  if (variables === undefined) return "{}";
  try {
    const values = stableJson(variables);
    return values.length > maxVariablesLength ? undefined : values;
  } catch {
    return undefined;
  }
}

/** `base` for callers with these values of the headers `names` (hashed: no client value is kept verbatim). */
export function keyWithHeaders(base: string, names: readonly string[], headers: { get(name: string): string | null }): string {
  if (names.length === 0) return base;
  return JSON.stringify([base, sha256(JSON.stringify([names, names.map((name) => headers.get(name))]))]);
}

const sha256: (text: string) => string =
  typeof crypto.hash === "function"
    ? (text) => crypto.hash("sha256", text, "base64url")
    : (text) => crypto.createHash("sha256").update(text).digest("base64url");

/**
 * One request's place in a store of whole operations (a result-cache ticket, a flight), found
 * before execution; undefined when the operation may not be looked up (not a query, variables
 * too large).
 */
export type OpenOperation<T> = (
  document: object,
  operationName: string | undefined,
  variables: Record<string, unknown> | undefined,
  kind: OperationTypeNode,
  headers: { get(name: string): string | null },
) => T | undefined;
