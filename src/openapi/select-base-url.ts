import { OpenApiImportError } from "./openapi-import-error.js";

/**
 * The `@upstream` baseUrl. `--base-url` is used as given; otherwise the spec's first server
 * (Swagger: scheme + host + basePath) becomes the default of an `{env.NAME_URL:-…}` variable so
 * that deployments can point elsewhere. A relative server resolves against the URL the spec
 * was fetched from; with neither, http://localhost stands in and a warning says so.
 */
export function selectBaseUrl(
  servers: readonly string[],
  options: { upstream: string; baseUrl?: string; specUrl?: string },
): { baseUrl: string; envName: string; warning?: string } {
  const envName = `${options.upstream
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, "_")
    .replace(/^(?=[0-9])/, "_")}_URL`;
  if (options.baseUrl !== undefined) {
    const given = options.baseUrl.trim();
    if (!given.includes("{env.") && toHttpUrl(given) === undefined) {
      throw new OpenApiImportError(`--base-url must be an absolute http:// or https:// URL, received ${JSON.stringify(options.baseUrl)}`);
    }
    return { baseUrl: given.replace(/\/+$/, ""), envName };
  }
  const server = servers[0] ?? "/";
  const absolute = toHttpUrl(server) ?? (options.specUrl === undefined ? undefined : toHttpUrl(server, options.specUrl));
  if (absolute !== undefined) return { baseUrl: `{env.${envName}:-${absolute}}`, envName };
  const path = server.startsWith("/") ? server.replace(/\/+$/, "") : "";
  const why =
    servers.length === 0 ? "the spec names no server" : `the spec's server ${JSON.stringify(server)} is not an absolute http(s) URL`;
  return {
    baseUrl: `{env.${envName}:-http://localhost${path}}`,
    envName,
    warning: `${why}; the base URL defaults to http://localhost${path}: set ${envName} or pass --base-url`,
  };
}

/** An absolute http(s) URL without credentials, query, fragment or trailing slash; undefined otherwise. */
function toHttpUrl(text: string, base?: string): string | undefined {
  if (text.includes("{")) return undefined;
  let url: URL;
  try {
    url = base === undefined ? new URL(text) : new URL(text, base);
  } catch {
    return undefined;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
  url.username = "";
  url.password = "";
  url.search = "";
  url.hash = "";
  return url.toString().replace(/\/+$/, "");
}
