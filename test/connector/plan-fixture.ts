import type { GraphQLField } from "graphql";
import { createOperationContext, type OperationContext } from "../../src/loader/operation-context.js";
import type { UpstreamRequest } from "../../src/upstream/upstream-request.js";
import { buildSchemaPlan } from "../../src/sdl/build-schema-plan.js";
import type { RestPlan, SchemaPlan } from "../../src/plan/schema-plan.js";
import type { UpstreamResponse } from "../../src/upstream/upstream-client.js";

/** Plans `sdl` (an `api` upstream at http://api.test/v1 is declared unless `sdl` declares its own) and fails on any diagnostic. */
export function planOf(sdl: string, env: Record<string, string> = {}, hasContext = true): SchemaPlan {
  const body = sdl.includes("@upstream(") ? sdl : `extend schema @upstream(name: "api", baseUrl: "http://api.test/v1")\n${sdl}`;
  const { plan, diagnostics } = buildSchemaPlan([{ name: "test.graphql", body }], { env, hasContext });
  if (plan === undefined || diagnostics.some((d) => d.severity === "error")) {
    throw new Error(`schema does not plan: ${diagnostics.map((d) => d.message).join("; ")}`);
  }
  return plan;
}

/** The plan of one `@rest` field and its GraphQL field definition. */
export function restFieldOf(plan: SchemaPlan, coordinate: string): { rest: RestPlan; field: GraphQLField<unknown, unknown> } {
  const rest = plan.restFields.find((r) => r.coordinate === coordinate);
  if (rest === undefined) throw new Error(`no @rest field ${coordinate}`);
  const [typeName, fieldName] = coordinate.split(".") as [string, string];
  const type = plan.schema.getType(typeName) as { getFields(): Record<string, GraphQLField<unknown, unknown>> };
  return { rest, field: type.getFields()[fieldName]! };
}

export function jsonAnswer(
  status: number,
  body: unknown,
  headers: Record<string, string> = { "content-type": "application/json" },
): UpstreamResponse {
  return { status, headers, body: Buffer.from(body === undefined ? "" : typeof body === "string" ? body : JSON.stringify(body)) };
}

/**
 * A real operation context whose send step answers from `answer` (no network: these are unit
 * tables for the resolvers; the HTTP path is covered end to end in test/e2e/). `sent` records
 * every request the resolvers built.
 */
export function operationAnswering(
  answer: (request: UpstreamRequest) => UpstreamResponse,
  headers: Record<string, string> = {},
): {
  operation: OperationContext;
  sent: UpstreamRequest[];
} {
  const sent: UpstreamRequest[] = [];
  const operation = createOperationContext({ headers: new Headers(headers), env: {}, values: {} }, async (request) => {
    sent.push(request);
    return answer(request);
  });
  return { operation, sent };
}
