import { readFile } from "node:fs/promises";
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type YAMLMap } from "yaml";
import { TrestleError } from "../errors.js";
import type { MappingTest } from "./mapping-test.js";

type Where = (node: Node | null | undefined) => string;

const methods = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);
const keys = {
  test: ["operation", "operationName", "variables", "headers", "exchanges", "expect"],
  exchange: ["request", "response"],
  request: ["upstream", "method", "path", "headers", "body"],
  response: ["status", "headers", "body"],
  expect: ["data", "errors"],
  error: ["message", "code", "path"],
};

/**
 * Reads one `*.mapping.yaml` file (the format of docs/mapping-tests.md). Every problem (bad
 * YAML, an unknown or missing key, a value of the wrong type) is reported as `file:line:col:
 * message` in one MAPPING_TEST_INVALID error.
 */
export async function readMappingTest(path: string, name: string): Promise<MappingTest> {
  const text = await readFile(path, "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code !== "ENOENT" && error.code !== "EISDIR") throw error;
    throw new TrestleError("MAPPING_TEST_INVALID", `${name}: no such mapping test file (${error.code})`);
  });
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number) => {
    const { line, col } = lines.linePos(offset);
    return `${name}:${line}:${col}`;
  };
  const where: Where = (node) => at(node?.range?.[0] ?? 0);
  const problems = document.errors.map((error) => `${at(error.pos[0])}: ${error.message.split("\n")[0]}`);
  if (problems.length === 0) problems.push(...checkTest(document.contents, where));
  if (problems.length > 0) throw new TrestleError("MAPPING_TEST_INVALID", problems.join("\n"));
  const value = document.toJS() as Omit<MappingTest, "name" | "path" | "document">;
  return {
    name,
    path,
    document,
    operation: value.operation,
    ...(value.operationName === undefined ? {} : { operationName: value.operationName }),
    variables: value.variables ?? {},
    headers: Object.fromEntries(Object.entries(value.headers ?? {}).map(([key, header]) => [key.toLowerCase(), String(header)])),
    exchanges: value.exchanges ?? undefined,
    expect: value.expect ?? undefined,
  };
}

function checkTest(node: unknown, where: Where): string[] {
  if (!isMap(node)) return [`${where(node as Node)}: expected a mapping test (a map with "operation"), received ${describe(node)}`];
  const problems = checkKeys(node, "the test", keys.test, ["operation"], where);
  problems.push(...checkString(node, "operation", where), ...checkString(node, "operationName", where));
  problems.push(...checkMapOf(node, "variables", where, () => []), ...checkStringMap(node, "headers", where));
  const exchanges = node.get("exchanges", true);
  if (exchanges !== undefined && exchanges !== null && !(isScalar(exchanges) && exchanges.value === null)) {
    if (!isSeq(exchanges)) problems.push(`${where(exchanges)}: "exchanges" must be a list, received ${describe(exchanges)}`);
    else for (const item of exchanges.items) problems.push(...checkExchange(item, where));
  }
  problems.push(
    ...checkMapOf(node, "expect", where, (expect) => {
      const found = checkKeys(expect, "expect", keys.expect, ["data"], where);
      const errors = expect.get("errors", true);
      if (errors === undefined) return found;
      if (!isSeq(errors)) return [...found, `${where(errors)}: "errors" must be a list, received ${describe(errors)}`];
      for (const error of errors.items) {
        if (!isMap(error)) found.push(`${where(error as Node)}: an expected error must be a map of message, code, path`);
        else found.push(...checkKeys(error, "an expected error", keys.error, [], where), ...checkString(error, "message", where));
      }
      return found;
    }),
  );
  return problems;
}

function checkExchange(node: unknown, where: Where): string[] {
  if (!isMap(node)) return [`${where(node as Node)}: an exchange must be a map of request and response, received ${describe(node)}`];
  const problems = checkKeys(node, "an exchange", keys.exchange, keys.exchange, where);
  problems.push(
    ...checkMapOf(node, "request", where, (request) => {
      const found = checkKeys(request, "request", keys.request, ["method", "path"], where);
      found.push(...checkString(request, "upstream", where), ...checkStringMap(request, "headers", where));
      const method = request.get("method", true);
      if (isScalar(method) && !methods.has(String(method.value)))
        found.push(`${where(method)}: request method must be one of ${[...methods].join(", ")}, received "${String(method.value)}"`);
      const path = request.get("path", true);
      if (isScalar(path) && !String(path.value).startsWith("/"))
        found.push(`${where(path)}: request path must start with "/", received "${String(path.value)}"`);
      return found;
    }),
    ...checkMapOf(node, "response", where, (response) => {
      const found = checkKeys(response, "response", keys.response, ["status"], where);
      const status = response.get("status", true);
      if (isScalar(status) && !(Number.isInteger(status.value) && Number(status.value) >= 100 && Number(status.value) <= 599))
        found.push(`${where(status)}: response status must be a number from 100 to 599, received ${JSON.stringify(status.value)}`);
      return [...found, ...checkStringMap(response, "headers", where)];
    }),
  );
  return problems;
}

function checkKeys(node: YAMLMap, what: string, allowed: readonly string[], required: readonly string[], where: Where): string[] {
  const problems: string[] = [];
  for (const pair of node.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : "";
    if (!allowed.includes(key)) problems.push(`${where(pair.key as Node)}: unknown key "${key}" in ${what} (keys: ${allowed.join(", ")})`);
  }
  for (const key of required) if (!node.has(key)) problems.push(`${where(node)}: ${what} has no "${key}"`);
  return problems;
}

function checkString(node: YAMLMap, key: string, where: Where): string[] {
  const value = node.get(key, true);
  if (value === undefined || (isScalar(value) && typeof value.value === "string")) return [];
  return [`${where(value as Node)}: "${key}" must be a string, received ${describe(value)}`];
}

function checkStringMap(node: YAMLMap, key: string, where: Where): string[] {
  return checkMapOf(node, key, where, (map) =>
    map.items.flatMap((pair) =>
      isScalar(pair.value) && ["string", "number", "boolean"].includes(typeof pair.value.value)
        ? []
        : [
            `${where(pair.value as Node)}: header "${String((pair.key as { value?: unknown }).value)}" must be a string, received ${describe(pair.value)}`,
          ],
    ),
  );
}

function checkMapOf(node: YAMLMap, key: string, where: Where, check: (map: YAMLMap) => string[]): string[] {
  const value = node.get(key, true);
  if (value === undefined || (isScalar(value) && value.value === null)) return [];
  if (!isMap(value)) return [`${where(value as Node)}: "${key}" must be a map, received ${describe(value)}`];
  return check(value);
}

function describe(node: unknown): string {
  if (isSeq(node)) return "a list";
  if (isMap(node)) return "a map";
  if (isScalar(node)) return JSON.stringify(node.value) ?? "nothing";
  return "nothing";
}
