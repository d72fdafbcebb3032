import type { Answer } from "../http/answer.js";
import { answerFromResponse } from "../http/answer.js";
import type { CorsPolicy } from "../http/cors-policy.js";
import type { Exchange } from "../http/exchange.js";
import type { Route } from "../http/route-table.js";
import type { Lane, LaneContextFactory } from "../execution/create-graphql-route.js";
import { refuseUnsafePost } from "./refuse-unsafe-post.js";
import type { OperationPlan } from "./build-operation-plans.js";
import type { McpTool } from "./build-mcp-tools.js";
import { readJsonBody } from "./read-json-body.js";
import { readBodyVariables } from "./read-variables.js";
import { runOperation } from "./run-operation.js";

export interface McpRouteOptions {
  mcpPath: string;
  plans: ReadonlyMap<string, OperationPlan>;
  tools: readonly McpTool[];
  lane: Lane;
  createContext: LaneContextFactory;
  maxRequestBytes: number;
  csrfPrevention: boolean;
  cors: CorsPolicy;
}

/** The SDK's modules, imported once when an instance serves operations (no cost otherwise). */
type Sdk = [
  typeof import("@modelcontextprotocol/sdk/server/index.js"),
  typeof import("@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js"),
  typeof import("@modelcontextprotocol/sdk/types.js"),
];

export async function importMcpSdk(): Promise<Sdk> {
  return Promise.all([
    import("@modelcontextprotocol/sdk/server/index.js"),
    import("@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js"),
    import("@modelcontextprotocol/sdk/types.js"),
  ]);
}

/**
 * `/mcp`: the operations as MCP tools over the Streamable HTTP transport of the official SDK,
 * stateless (a server and a transport per POST, JSON answers, no session store, no GET stream).
 * A tool call runs its operation like /api does, with this request's headers and limits;
 * GraphQL errors come back as a tool result with `isError: true` and their codes. A browser
 * Origin the CORS policy does not allow is refused with 403 (MCP asks Streamable HTTP servers
 * to check Origin: DNS rebinding), and so is a POST a browser could send without a preflight.
 */
export function createMcpRoute(options: McpRouteOptions, sdk: Sdk): Route {
  const { mcpPath, plans, tools, lane, createContext, maxRequestBytes, csrfPrevention, cors } = options;
  const [{ Server }, { WebStandardStreamableHTTPServerTransport }, { CallToolRequestSchema, ListToolsRequestSchema, McpError, ErrorCode }] =
    sdk;

  const createServer = (exchange: Exchange) => {
    const server = new Server({ name: "trestle", version: "1.0.0" }, { capabilities: { tools: { listChanged: false } } });
    server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: tools as never }));
    server.setRequestHandler(CallToolRequestSchema, async (request) => {
      const plan = plans.get(request.params.name);
      if (plan === undefined)
        throw new McpError(ErrorCode.InvalidParams, `Unknown tool ${JSON.stringify(request.params.name.slice(0, 64))}: see tools/list`);
      const read = readBodyVariables(request.params.arguments ?? {}, plan.definition.variableDefinitions ?? []);
      if ("invalid" in read) return toolError([{ message: read.invalid, extensions: { code: "BAD_USER_INPUT" } }], undefined);
      const result = await runOperation(lane, plan, read.variables, () => createContext(exchange), exchange.log);
      if (result.errors !== undefined && result.errors.length > 0) return toolError(result.errors, result.data);
      const data = result.data ?? {};
      return { content: [{ type: "text" as const, text: JSON.stringify(data) }], structuredContent: data };
    });
    return server;
  };

  return {
    matches: (exchange) => exchange.pathname === mcpPath,
    name: () => "mcp",
    answersPreflight: () => true,
    async serve(exchange) {
      const origin = exchange.headers.get("origin");
      if (origin !== null) {
        // A browser Origin must be listed by name: `cors: true` (any origin, as `*`) opens the
        // GraphQL and REST routes to every site, never the tools (DNS rebinding, MCP's rule).
        const allowed = cors.answer(origin).headers["access-control-allow-origin"];
        if (allowed === undefined || allowed === "*")
          return rpcError(
            403,
            `Origin ${JSON.stringify(origin.slice(0, 100))} is not allowed to call ${mcpPath} (list it in cors / --cors${allowed === "*" ? "; any origin (*) does not count for MCP" : ""})`,
          );
      }
      if (exchange.method !== "POST")
        return {
          ...rpcError(405, `${exchange.method} ${mcpPath}: this stateless MCP endpoint takes POST only`),
          headers: { ...jsonType, allow: "POST" },
        };
      const refused = refuseUnsafePost(exchange, csrfPrevention);
      if (refused !== undefined) return refused;
      const body = await readJsonBody(exchange, maxRequestBytes);
      if (body.kind === "too-large") return rpcError(413, `The request body is larger than ${maxRequestBytes} bytes.`);
      if (body.kind === "invalid" || body.value === undefined) return rpcError(400, "Parse error: the body is not JSON", -32700);
      // A JSON-RPC batch would run up to the SDK's 100 tool calls for one request; MCP 2025-06-18 has no batches.
      if (Array.isArray(body.value))
        return rpcError(400, "Invalid Request: send one JSON-RPC message per POST (batches are not served)", -32600);
      const server = createServer(exchange);
      const transport = new WebStandardStreamableHTTPServerTransport({ enableJsonResponse: true });
      try {
        await server.connect(transport);
        const response = await transport.handleRequest(exchange.toRequest(), { parsedBody: body.value });
        // JSON mode: the answer is whole once it resolves, so the server can close now.
        return answerFromResponse(response);
      } finally {
        await server.close();
      }
    },
  };
}

const jsonType = { "content-type": "application/json" };

/** A JSON-RPC error answer, as the SDK's transport words its own. */
function rpcError(status: number, message: string, code = -32000): Answer {
  return { status, headers: { ...jsonType }, body: JSON.stringify({ jsonrpc: "2.0", error: { code, message }, id: null }) };
}

/** GraphQL errors as a tool error: one line per error with its code, then the errors and partial data as JSON. */
function toolError(errors: ReadonlyArray<{ message: string; extensions?: Record<string, unknown> }>, data: unknown) {
  const lines = errors.map((error) => `${String(error.extensions?.["code"] ?? "ERROR")}: ${error.message}`);
  const json = JSON.stringify(data === undefined ? { errors } : { errors, data });
  return {
    isError: true,
    content: [
      { type: "text" as const, text: lines.join("\n") },
      { type: "text" as const, text: json },
    ],
  };
}
