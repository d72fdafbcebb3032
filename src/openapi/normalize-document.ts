import { OpenApiImportError } from "./openapi-import-error.js";
import { readOperation, readSwaggerOperation, stringList, type NormalizedOperation } from "./read-operation.js";
import { appendPointer, isRecord, type RefResolver } from "./resolve-ref.js";

/**
 * Swagger 2.0, OpenAPI 3.0 and 3.1 read into one shape: operations in path order with their
 * parameters merged (path item + operation, refs followed), request and response bodies keyed
 * by media type, security schemes and servers. Schemas stay as the document wrote them, so
 * every `$ref` still resolves against the original document.
 */

export type SpecVersion = "2.0" | "3.0" | "3.1";

export interface NormalizedDocument {
  version: SpecVersion;
  /** As written: "3.1.0", "2.0". */
  versionText: string;
  title: string;
  apiVersion: string;
  /** Server URLs with their variables filled in, in document order (may be relative). */
  servers: string[];
  operations: NormalizedOperation[];
  securitySchemes: Array<{ name: string; scheme: Record<string, unknown> }>;
  security: unknown[] | undefined;
  /** Where component schemas live: `#/components/schemas` or `#/definitions`. */
  schemaPointers: Array<{ name: string; pointer: string }>;
  webhookCount: number;
}

const methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

export function normalizeDocument(document: unknown, resolver: RefResolver): NormalizedDocument {
  const root = assertOpenApiDocument(document);
  const version: SpecVersion = root["swagger"] !== undefined ? "2.0" : String(root["openapi"]).startsWith("3.0") ? "3.0" : "3.1";
  const info = isRecord(root["info"]) ? root["info"] : {};
  const components = isRecord(root["components"]) ? root["components"] : {};
  const schemaHome =
    version === "2.0"
      ? { map: root["definitions"], pointer: "#/definitions" }
      : { map: components["schemas"], pointer: "#/components/schemas" };
  const schemes = version === "2.0" ? root["securityDefinitions"] : components["securitySchemes"];
  const paths = root["paths"] ?? {};
  if (!isRecord(paths))
    throw new OpenApiImportError(`"paths" must be an object of path items, found ${describe(paths)}`, { pointer: "#/paths" });

  const operations: NormalizedOperation[] = [];
  for (const [path, rawItem] of Object.entries(paths)) {
    const item = resolver.deref(rawItem, appendPointer("#/paths", path));
    if (!isRecord(item.value)) continue;
    const shared = item.value["parameters"];
    for (const method of methods) {
      const op = item.value[method];
      if (!isRecord(op)) continue;
      const pointer = appendPointer(item.pointer, method);
      operations.push(
        version === "2.0"
          ? readSwaggerOperation(root, op, method, path, pointer, shared, item.pointer, resolver)
          : readOperation(op, method, path, pointer, shared, item.pointer, resolver),
      );
    }
  }
  return {
    version,
    versionText: String(root["openapi"] ?? root["swagger"]),
    title: typeof info["title"] === "string" ? info["title"] : "API",
    apiVersion: typeof info["version"] === "string" ? info["version"] : String(info["version"] ?? ""),
    servers: version === "2.0" ? swaggerServers(root) : servers(root["servers"]),
    operations,
    securitySchemes: isRecord(schemes)
      ? Object.entries(schemes).flatMap(([name, scheme]) => {
          const found = resolver.deref(
            scheme,
            appendPointer(version === "2.0" ? "#/securityDefinitions" : "#/components/securitySchemes", name),
          );
          return isRecord(found.value) ? [{ name, scheme: found.value }] : [];
        })
      : [],
    security: Array.isArray(root["security"]) ? root["security"] : undefined,
    schemaPointers: isRecord(schemaHome.map)
      ? Object.keys(schemaHome.map).map((name) => ({ name, pointer: appendPointer(schemaHome.pointer, name) }))
      : [],
    webhookCount: isRecord(root["webhooks"]) ? Object.keys(root["webhooks"]).length : 0,
  };
}

function assertOpenApiDocument(document: unknown): Record<string, unknown> {
  if (!isRecord(document))
    throw new OpenApiImportError(`not an OpenAPI document: expected a JSON or YAML object, found ${describe(document)}`, { pointer: "#" });
  const swagger = document["swagger"];
  const openapi = document["openapi"];
  if (swagger !== undefined) {
    if (String(swagger) !== "2.0")
      throw new OpenApiImportError(`unsupported Swagger version ${JSON.stringify(swagger)}: expected "2.0"`, { pointer: "#/swagger" });
    return document;
  }
  if (openapi !== undefined) {
    if (typeof openapi !== "string" || !/^3\.\d+(\.\d+)?/.test(openapi)) {
      throw new OpenApiImportError(`unsupported OpenAPI version ${JSON.stringify(openapi)}: expected 3.0.x or 3.1.x (or swagger: "2.0")`, {
        pointer: "#/openapi",
      });
    }
    return document;
  }
  const keys = Object.keys(document).slice(0, 6).join(", ");
  throw new OpenApiImportError(
    `not an OpenAPI document: expected a top-level "openapi: 3.x" or "swagger: 2.0" field, found ${keys === "" ? "an empty object" : `keys ${keys}`}`,
    { pointer: "#" },
  );
}

/** Server URLs with `{variables}` replaced by their defaults. */
function servers(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return list.flatMap((server) => {
    if (!isRecord(server) || typeof server["url"] !== "string") return [];
    const variables = isRecord(server["variables"]) ? server["variables"] : {};
    return [
      server["url"].replace(/\{([^{}]+)\}/g, (whole, name: string) => {
        const variable = variables[name];
        const fallback = isRecord(variable)
          ? (variable["default"] ?? (Array.isArray(variable["enum"]) ? variable["enum"][0] : undefined))
          : undefined;
        return fallback === undefined ? whole : String(fallback);
      }),
    ];
  });
}

function swaggerServers(root: Record<string, unknown>): string[] {
  const basePath = typeof root["basePath"] === "string" ? root["basePath"] : "";
  if (typeof root["host"] !== "string") return basePath === "" ? [] : [basePath];
  const schemes = stringList(root["schemes"]) ?? ["https"];
  const scheme = schemes.includes("https") ? "https" : (schemes[0] ?? "https");
  return [`${scheme}://${root["host"]}${basePath}`];
}

export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "string") return `a string (${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)})`;
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}
