import type { TrestleResolverContext } from "../connector/create-resolvers.js";
import type { RequestLog } from "../logging/request-log.js";
import type { Lane } from "../execution/create-graphql-route.js";
import type { OperationPlan } from "./build-operation-plans.js";
import type { ClientError } from "./problem-answer.js";

/** An operation's result as the GraphQL route would send it, read back: status and headers of its result step, data, errors. */
export interface OperationResult {
  /** The result step's status: 200 with `data`, else the status of its errors. */
  status: number;
  /** The result step's headers: Cache-Control and Vary for a cacheable query. */
  headers: Record<string, string>;
  /** Absent when the operation could not run (variables that do not coerce, a limit). */
  data?: Record<string, unknown> | null;
  errors?: ClientError[];
  extensions?: Record<string, unknown>;
}

/**
 * Runs a prepared operation through the GraphQL route's engine (the fast lane): its cost check,
 * the caller's operation context (headers, identity, client-gone signal), masking and the
 * result step, exactly as a POST to /graphql of the same text would.
 */
export async function runOperation(
  lane: Lane,
  plan: OperationPlan,
  variables: Record<string, unknown>,
  createContext: () => Promise<TrestleResolverContext>,
  /** The request's log record, when a logger is set: the operation is named in it. */
  log: RequestLog | undefined,
): Promise<OperationResult> {
  const answer = await lane({
    body: undefined,
    accept: "application/json",
    createContext,
    log,
    operation: { prepared: plan.prepared, operationName: plan.name, variables },
  });
  if (answer === undefined)
    return { status: 500, headers: {}, errors: [{ message: "Unexpected error.", extensions: { code: "INTERNAL_SERVER_ERROR" } }] };
  const { "content-type": _type, ...headers } = answer.headers;
  const body = JSON.parse(answer.body) as Omit<OperationResult, "status" | "headers">;
  return { status: answer.status, headers, ...body };
}
