import type { GraphQLSchema, ValidationRule } from "graphql";
import { SchemaError } from "../errors.js";
import type { Lane, LaneContextFactory } from "../execution/create-graphql-route.js";
import type { CorsPolicy } from "../http/cors-policy.js";
import type { Route } from "../http/route-table.js";
import { buildMcpTools } from "./build-mcp-tools.js";
import { buildOpenApiDocument } from "./build-openapi-document.js";
import { buildOperationPlans } from "./build-operation-plans.js";
import { createApiRoute } from "./create-api-route.js";
import { createMcpRoute, importMcpSdk } from "./create-mcp-route.js";
import { loadOperationSources } from "./load-operation-sources.js";

export interface OperationRoutesOptions {
  /** A folder of .graphql files, or a list of files (`createTrestle({ operations })`). */
  operations: string | readonly string[];
  cwd: string | undefined;
  prefix: string;
  /** The client schema and the /graphql validation rules the operations are checked with. */
  schema: GraphQLSchema;
  rules: readonly ValidationRule[];
  lane: Lane;
  createContext: LaneContextFactory;
  maxRequestBytes: number;
  csrfPrevention: boolean;
  cors: CorsPolicy;
}

export interface OperationRoutes {
  /** `${prefix}/api/*` and `${prefix}/mcp`. */
  routes: Route[];
  /** Whether a path is one of these routes' (for `trestle.owns`). */
  claims(pathname: string): boolean;
}

/**
 * The operations folder served two more ways: REST at `${prefix}/api/<name>` (with the OpenAPI
 * document at `${prefix}/api/openapi.json`) and MCP tools at `${prefix}/mcp`. Every operation is
 * read, validated and prepared here, once; any error throws SchemaError with file:line:col.
 */
export async function createOperationRoutes(options: OperationRoutesOptions): Promise<OperationRoutes> {
  const { prefix, schema } = options;
  const sources = await loadOperationSources(options.operations, options.cwd);
  const { plans, diagnostics } = buildOperationPlans(sources, { schema, rules: options.rules });
  const errors = diagnostics.filter((diagnostic) => diagnostic.severity === "error");
  if (errors.length > 0) throw new SchemaError(errors);
  const byName = new Map(plans.map((plan) => [plan.name, plan]));
  const apiPath = `${prefix}/api`;
  const mcpPath = `${prefix}/mcp`;
  const shared = {
    plans: byName,
    lane: options.lane,
    createContext: options.createContext,
    maxRequestBytes: options.maxRequestBytes,
    csrfPrevention: options.csrfPrevention,
  };
  const openapi = JSON.stringify(buildOpenApiDocument(schema, plans, apiPath));
  const api = createApiRoute({ ...shared, apiPath, schema, openapi });
  const mcp = createMcpRoute({ ...shared, mcpPath, tools: buildMcpTools(schema, plans), cors: options.cors }, await importMcpSdk());
  return { routes: [api, mcp], claims: (pathname) => pathname === mcpPath || pathname.startsWith(`${apiPath}/`) };
}
