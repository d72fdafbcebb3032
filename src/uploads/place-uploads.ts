import type { Upload } from "./upload.js";
import { echo, malformed, UploadRequestError } from "./upload-request-error.js";

/** The `operations` part: one operation, a JSON object (batches are refused). */
export function readOperations(text: string): Record<string, unknown> {
  const value = parseJson("operations", text);
  if (Array.isArray(value)) throw malformed(`the "operations" part holds a batch (a list); Trestle runs one operation per request.`);
  if (value === null || typeof value !== "object") throw malformed(`the "operations" part must be a JSON object; received ${echo(text)}.`);
  return value as Record<string, unknown>;
}

/**
 * The `map` part: file part name → the non-empty list of paths it fills. Each path starts at
 * `variables` and names a null that `operations` holds (the spec's placeholder); at most
 * `maxFiles` files and `maxFiles` places in all (a file mapped to two variables is sent twice),
 * 413 UPLOAD_TOO_LARGE past either, before any file is read.
 */
export function readMap(text: string, operations: Record<string, unknown>, maxFiles: number): Map<string, string[]> {
  const value = parseJson("map", text);
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw malformed(`the "map" part must be a JSON object of file part names to lists of paths; received ${echo(text)}.`);
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > maxFiles)
    throw new UploadRequestError("UPLOAD_TOO_LARGE", `"map" names ${entries.length} files; the limit is ${maxFiles} (uploads.maxFiles).`);
  const map = new Map<string, string[]>();
  let places = 0;
  for (const [part, paths] of entries) {
    if (!Array.isArray(paths) || paths.length === 0 || !paths.every((path) => typeof path === "string"))
      throw malformed(
        `"map" entry ${echo(part)} must be a non-empty list of paths like "variables.file"; received ${echo(JSON.stringify(paths))}.`,
      );
    // Each place is one file sent upstream: one part mapped to 50,000 places would be sent 50,000 times.
    places += paths.length;
    if (places > maxFiles)
      throw new UploadRequestError(
        "UPLOAD_TOO_LARGE",
        `"map" places files at more than ${maxFiles} variables; the limit is ${maxFiles} (uploads.maxFiles), one file part per place counted.`,
      );
    for (const path of paths as string[]) {
      if (locate(operations, path) === undefined)
        throw malformed(`"map" entry ${echo(part)} names ${echo(path)}, which is not a null in "operations" under "variables".`);
    }
    map.set(part, paths as string[]);
  }
  return map;
}

/** Puts `upload` where `path` points (checked by readMap); a place filled twice is refused. */
export function placeUpload(operations: Record<string, unknown>, path: string, upload: Upload): void {
  const where = locate(operations, path);
  if (where === undefined) throw malformed(`"map" fills ${echo(path)} twice.`);
  where.target[where.key] = upload;
}

function parseJson(part: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw malformed(`the "${part}" part must be JSON; received ${echo(text)}.`);
  }
}

/** The object and key a `variables.…` path names, when it names an own null value (own keys only: no prototype). */
function locate(operations: Record<string, unknown>, path: string): { target: Record<string, unknown>; key: string } | undefined {
  const steps = path.split(".");
  if (steps[0] !== "variables" || steps.length < 2) return undefined;
  let target: unknown = operations;
  for (const step of steps.slice(0, -1)) {
    if (target === null || typeof target !== "object" || !Object.hasOwn(target, step)) return undefined;
    target = (target as Record<string, unknown>)[step];
  }
  const key = steps[steps.length - 1]!;
  if (target === null || typeof target !== "object" || !Object.hasOwn(target, key)) return undefined;
  if ((target as Record<string, unknown>)[key] !== null) return undefined;
  return { target: target as Record<string, unknown>, key };
}
