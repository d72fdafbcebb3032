import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { OpenApiImportError } from "./openapi-import-error.js";
import { parseDocumentText } from "./parse-document-text.js";

/** A spec as read: where it came from (for messages), its text (to locate errors) and its data. */
export interface LoadedSpec {
  location: string;
  /** The absolute http(s) URL it was fetched from, if it was. */
  url?: string;
  text: string;
  document: unknown;
}

export interface LoadSpecOptions {
  /** Resolves relative file paths. @default process.cwd() */
  cwd?: string;
  /** For http(s) specs, from sending the request to the last byte. @default 30000 */
  timeoutMs?: number;
}

/** Specs larger than this are refused rather than read into memory. */
const maxSpecBytes = 64 * 1024 * 1024;

/** Reads a spec from a file path or an http(s) URL and parses it (JSON or YAML). */
export async function loadOpenApiSource(spec: string, options: LoadSpecOptions = {}): Promise<LoadedSpec> {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(spec)) {
    if (!/^https?:\/\//i.test(spec)) throw new OpenApiImportError(`${spec}: only http:// and https:// URLs (or file paths) can be read`);
    const text = await fetchText(spec, options.timeoutMs ?? 30_000);
    return { location: spec, url: spec, text, document: parseDocumentText(text, spec) };
  }
  const path = resolve(options.cwd ?? process.cwd(), spec);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "no such file"
        : code === "EISDIR"
          ? "it is a directory"
          : code === "EACCES"
            ? "permission denied"
            : (error as Error).message;
    throw new OpenApiImportError(`${spec}: cannot read the spec: ${why}`, { cause: error });
  }
  return { location: spec, text, document: parseDocumentText(text, spec) };
}

async function fetchText(url: string, timeoutMs: number): Promise<string> {
  let response: Response;
  try {
    response = await fetch(url, {
      signal: AbortSignal.timeout(timeoutMs),
      headers: { accept: "application/json, application/yaml;q=0.9, */*;q=0.5" },
    });
  } catch (error) {
    throw new OpenApiImportError(`${url}: cannot fetch the spec: ${describeFetchError(error, timeoutMs)}`, { cause: error });
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new OpenApiImportError(
      `${url}: cannot fetch the spec: the server answered ${response.status}${response.statusText === "" ? "" : ` ${response.statusText}`}`,
    );
  }
  const length = Number(response.headers.get("content-length") ?? 0);
  if (length > maxSpecBytes) {
    await response.body?.cancel();
    throw new OpenApiImportError(`${url}: the spec is ${length} bytes, more than the ${maxSpecBytes} this importer reads`);
  }
  try {
    return await response.text();
  } catch (error) {
    throw new OpenApiImportError(`${url}: cannot fetch the spec: ${describeFetchError(error, timeoutMs)}`, { cause: error });
  }
}

/** fetch() hides the reason in `cause` (ECONNREFUSED, ENOTFOUND…); bring it to the surface. */
function describeFetchError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) return `no answer within ${timeoutMs} ms`;
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return code !== undefined && !cause.message.includes(code) ? `${code} ${cause.message}` : cause.message;
  }
  return error instanceof Error ? error.message : String(error);
}
