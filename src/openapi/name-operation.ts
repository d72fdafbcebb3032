import { NameRegistry, splitWords, toCamelCase } from "./graphql-names.js";

/**
 * Root field names for operations: the `operationId` in camelCase (`find pet by id` →
 * findPetById), FastAPI's generated ids cut back to the Python function name
 * (`read_flow_run_flow_runs__id__get` → readFlowRun), or, without an id, method and path
 * (`GET /pets/{petId}` → getPetsByPetId). Where two short names collide, both keep their full
 * ids; whatever still collides gets a number. Names are unique across Query and Mutation.
 */

export interface OperationKey {
  method: string;
  path: string;
  operationId?: string;
}

export function nameOperations<T extends OperationKey>(operations: readonly T[]): Map<T, string> {
  const candidates = operations.map((op) => {
    const full = toCamelCase(op.operationId ?? methodPathName(op.method, op.path)) || op.method;
    const short =
      op.operationId === undefined ? full : toCamelCase(shortenFastApiId(op.operationId, op.method, op.path) ?? op.operationId) || full;
    return { op, full, short };
  });
  const counts = new Map<string, number>();
  for (const { short } of candidates) counts.set(short, (counts.get(short) ?? 0) + 1);
  const names = new NameRegistry();
  const result = new Map<T, string>();
  for (const { op, full, short } of candidates) result.set(op, names.claim((counts.get(short) ?? 0) > 1 ? full : short));
  return result;
}

/**
 * FastAPI's default id is `re.sub(r"\W", "_", name + path) + "_" + method`; this returns
 * `name`, or undefined when `id` was not made that way.
 */
export function shortenFastApiId(id: string, method: string, path: string): string | undefined {
  const suffix = `_${method.toLowerCase()}`;
  if (!id.endsWith(suffix)) return undefined;
  const rest = id.slice(0, -suffix.length);
  const pathPart = path.replace(/[^A-Za-z0-9_]/g, "_");
  if (!rest.endsWith(pathPart) || rest.length === pathPart.length) return undefined;
  return rest.slice(0, -pathPart.length);
}

/** `GET /pets/{petId}` → "get pets by petId". */
function methodPathName(method: string, path: string): string {
  const words = [method.toLowerCase(), ...splitWords(path.replace(/\$?\{([^{}]+)\}/g, " by $1 "))];
  return words.length === 1 ? `${words[0]} root` : words.join(" ");
}
