import type { NormalizedDocument } from "./normalize-document.js";
import type { NormalizedOperation } from "./read-operation.js";
import { isRecord } from "./resolve-ref.js";
import { reservedHeaders } from "../upstream/reserved-headers.js";

/**
 * Security schemes → headers the bridge forwards from the client (`@upstream(headers: [...])`).
 * Bearer, Basic, OAuth2 and OpenID Connect all travel in `Authorization`; an API key in a
 * header travels in that header. Keys in the query or a cookie cannot be forwarded that way:
 * an operation that accepts only cookie auth is skipped, query keys get a warning.
 */

export interface SecurityPlan {
  headers: Array<{ name: string; from: string }>;
  warnings: string[];
  /** Why `operation` cannot be bridged for its auth, or undefined when it can. */
  getUnbridgeableReason(operation: NormalizedOperation): string | undefined;
}

type SchemeKind =
  { kind: "header"; header: string } | { kind: "cookie" } | { kind: "query"; name: string } | { kind: "other"; what: string };

export function mapSecurity(document: NormalizedDocument): SecurityPlan {
  const kinds = new Map(document.securitySchemes.map(({ name, scheme }) => [name, classifyScheme(scheme)]));
  const used = new Set<string>();
  for (const requirements of [document.security, ...document.operations.map((op) => op.security)]) {
    for (const requirement of requirements ?? []) if (isRecord(requirement)) for (const name of Object.keys(requirement)) used.add(name);
  }
  const relevant = [...kinds.entries()].filter(([name]) => used.size === 0 || used.has(name));
  const headers: SecurityPlan["headers"] = [];
  const warnings: string[] = [];
  for (const [name, kind] of relevant) {
    if (kind.kind === "header" && !reservedHeaders.has(kind.header) && !headers.some((h) => h.name === kind.header))
      headers.push({ name: kind.header, from: kind.header });
    if (kind.kind === "query")
      warnings.push(
        `security scheme "${name}" sends an API key in the query parameter "${kind.name}"; add it to the @rest paths by hand (e.g. ${kind.name}={env.API_KEY})`,
      );
    if (kind.kind === "other") warnings.push(`security scheme "${name}" (${kind.what}) is not forwarded; configure it outside Trestle`);
  }
  return {
    headers,
    warnings,
    getUnbridgeableReason(operation) {
      const requirements = (operation.security ?? document.security ?? []).filter(isRecord);
      if (requirements.length === 0) return undefined;
      const usable = requirements.some((requirement) => Object.keys(requirement).every((name) => kinds.get(name)?.kind !== "cookie"));
      if (usable) return undefined;
      const names = [...new Set(requirements.flatMap((requirement) => Object.keys(requirement)))].join(", ");
      return `authenticates only with a cookie (${names}), which the bridge does not forward`;
    },
  };
}

function classifyScheme(scheme: Record<string, unknown>): SchemeKind {
  const type = scheme["type"];
  if (type === "http" || type === "basic" || type === "oauth2" || type === "openIdConnect")
    return { kind: "header", header: "authorization" };
  if (type === "apiKey") {
    const name = String(scheme["name"] ?? "").toLowerCase();
    if (scheme["in"] === "header" && /^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) return { kind: "header", header: name };
    if (scheme["in"] === "cookie") return { kind: "cookie" };
    if (scheme["in"] === "query") return { kind: "query", name };
  }
  return { kind: "other", what: String(type) };
}
