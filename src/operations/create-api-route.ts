import type { GraphQLSchema } from "graphql";
import type { Answer } from "../http/answer.js";
import type { Exchange } from "../http/exchange.js";
import type { Route } from "../http/route-table.js";
import type { Lane, LaneContextFactory } from "../execution/create-graphql-route.js";
import type { OperationPlan } from "./build-operation-plans.js";
import { readJsonBody } from "./read-json-body.js";
import { refuseUnsafePost } from "./refuse-unsafe-post.js";
import { problemAnswer, problemStatusOf, requestProblem } from "./problem-answer.js";
import { readBodyVariables, readQueryVariables, type ReadVariables } from "./read-variables.js";
import { runOperation } from "./run-operation.js";

export interface ApiRouteOptions {
  /** `${prefix}/api`. */
  apiPath: string;
  plans: ReadonlyMap<string, OperationPlan>;
  schema: GraphQLSchema;
  lane: Lane;
  createContext: LaneContextFactory;
  maxRequestBytes: number;
  csrfPrevention: boolean;
  /** The OpenAPI 3.1 document, as JSON text, served at `${apiPath}/openapi.json`. */
  openapi: string;
}

/**
 * `/api/<operationName>`: each operation of the operations folder as a REST endpoint. Queries
 * take GET (variables as query parameters) and POST (a JSON object of variables), mutations
 * POST only. 200 answers the operation's `data` with the GraphQL route's Cache-Control; any
 * error is RFC 9457 problem JSON carrying the GraphQL errors and the partial `data`. Nothing
 * but these operations can run here: no document, no operation name from elsewhere.
 */
export function createApiRoute(options: ApiRouteOptions): Route {
  const { apiPath, plans, schema, lane, createContext, maxRequestBytes, csrfPrevention } = options;
  const base = `${apiPath}/`;
  const openapiPath = `${apiPath}/openapi.json`;

  const serveOperation = async (exchange: Exchange, plan: OperationPlan): Promise<Answer> => {
    const allow = plan.kind === "query" ? "GET, POST" : "POST";
    let read: ReadVariables;
    if (exchange.method === "GET" && plan.kind === "query") {
      const at = exchange.target.indexOf("?");
      read = readQueryVariables(at === -1 ? "" : exchange.target.slice(at + 1), plan.definition.variableDefinitions ?? [], schema);
    } else if (exchange.method === "POST") {
      const refused = refuseUnsafePost(exchange, csrfPrevention);
      if (refused !== undefined) return refused;
      const body = await readJsonBody(exchange, maxRequestBytes);
      if (body.kind === "too-large")
        return requestProblem(413, "REQUEST_TOO_LARGE", `The request body is larger than ${maxRequestBytes} bytes.`);
      if (body.kind === "invalid") return requestProblem(400, "BAD_USER_INPUT", "the body is not JSON: send a JSON object of variables");
      read = readBodyVariables(body.value, plan.definition.variableDefinitions ?? []);
    } else {
      const detail = `${exchange.method} ${base}${plan.name}: ${plan.kind === "query" ? "a query takes GET or POST" : "a mutation takes POST only"}`;
      return requestProblem(405, "METHOD_NOT_ALLOWED", detail, { allow });
    }
    if ("invalid" in read) return requestProblem(400, "BAD_USER_INPUT", read.invalid);

    const result = await runOperation(lane, plan, read.variables, () => createContext(exchange), exchange.log);
    if (result.errors === undefined || result.errors.length === 0) {
      return {
        status: 200,
        headers: { "content-type": "application/json; charset=utf-8", ...result.headers },
        body: JSON.stringify(result.data ?? null),
      };
    }
    const more = result.errors.length > 1 ? ` (and ${result.errors.length - 1} more error${result.errors.length > 2 ? "s" : ""})` : "";
    const members: Record<string, unknown> = { errors: result.errors };
    if (result.data !== undefined) members["data"] = result.data;
    if (result.extensions !== undefined) members["extensions"] = result.extensions;
    return problemAnswer(problemStatusOf(result.errors, result.status), `${result.errors[0]!.message}${more}`, members);
  };

  return {
    matches: (exchange) => exchange.pathname.startsWith(base),
    name: () => "api",
    answersPreflight: () => true,
    async serve(exchange) {
      if (exchange.pathname === openapiPath) {
        if (exchange.method !== "GET")
          return requestProblem(405, "METHOD_NOT_ALLOWED", `${exchange.method} ${openapiPath}: the document takes GET`, { allow: "GET" });
        return {
          status: 200,
          headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-cache" },
          body: options.openapi,
        };
      }
      const name = exchange.pathname.slice(base.length);
      const plan = plans.get(name);
      if (plan === undefined) {
        const shown = JSON.stringify(name.length > 64 ? `${name.slice(0, 64)}…` : name);
        return requestProblem(
          404,
          "OPERATION_NOT_FOUND",
          `no operation ${shown} is served here; the operations are listed at ${openapiPath}`,
        );
      }
      return serveOperation(exchange, plan);
    },
  };
}
