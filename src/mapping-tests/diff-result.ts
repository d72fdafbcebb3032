import { isDeepStrictEqual } from "node:util";
import type { ExpectedError } from "./mapping-test.js";

/** A GraphQL error as an answer carries it, reduced to what `expect.errors` can state. */
export interface ReceivedError {
  message: string;
  code?: string;
  path?: Array<string | number>;
}

/**
 * The differences between the expected and the received result, one line each, named by JSON
 * path (`data.user.team.name: expected "Core", received "Platform"`); empty when they agree.
 * Errors are matched in any order, each on the keys `expect.errors` writes (message, code, path).
 */
export function diffResult(
  expected: { data: unknown; errors?: readonly ExpectedError[] },
  received: { data: unknown; errors: readonly ReceivedError[] },
): string[] {
  const lines = diffJson(expected.data, received.data, "data");
  const unmatched = [...received.errors];
  for (const [at, error] of (expected.errors ?? []).entries()) {
    const found = unmatched.findIndex((candidate) => errorMatches(error, candidate));
    if (found >= 0) unmatched.splice(found, 1);
    else lines.push(`errors[${at}]: expected ${JSON.stringify(error)}, not received`);
  }
  for (const error of unmatched) lines.push(`errors: received ${JSON.stringify(error)}, not expected`);
  return lines;
}

function errorMatches(expected: ExpectedError, received: ReceivedError): boolean {
  return (
    (expected.message === undefined || expected.message === received.message) &&
    (expected.code === undefined || expected.code === received.code) &&
    (expected.path === undefined || isDeepStrictEqual(expected.path, received.path))
  );
}

/** Differences between two JSON values, one line per differing leaf, path first. */
export function diffJson(expected: unknown, received: unknown, path: string): string[] {
  if (isDeepStrictEqual(expected, received)) return [];
  if (Array.isArray(expected) && Array.isArray(received)) {
    const lines: string[] = [];
    const length = Math.max(expected.length, received.length);
    for (let i = 0; i < length; i++) {
      if (i >= received.length) lines.push(`${path}[${i}]: expected ${show(expected[i])}, missing`);
      else if (i >= expected.length) lines.push(`${path}[${i}]: not expected, received ${show(received[i])}`);
      else lines.push(...diffJson(expected[i], received[i], `${path}[${i}]`));
    }
    return lines;
  }
  if (isObject(expected) && isObject(received)) {
    const lines: string[] = [];
    for (const key of new Set([...Object.keys(expected), ...Object.keys(received)])) {
      const at = `${path}.${key}`;
      if (!(key in received)) lines.push(`${at}: expected ${show(expected[key])}, missing`);
      else if (!(key in expected)) lines.push(`${at}: not expected, received ${show(received[key])}`);
      else lines.push(...diffJson(expected[key], received[key], at));
    }
    return lines;
  }
  return [`${path}: expected ${show(expected)}, received ${show(received)}`];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? "undefined";
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
