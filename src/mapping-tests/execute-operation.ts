import type { Trestle } from "../trestle.js";
import type { MappingTest } from "./mapping-test.js";
import type { ReceivedError } from "./diff-result.js";

/** What a client received for the test's operation: `data` and the errors' message, code and path. */
export interface OperationResult {
  data: unknown;
  errors: ReceivedError[];
}

/**
 * Sends the test's operation to `trestle.fetch` as a client would (POST /graphql, JSON), with the
 * test's headers. An answer that is no GraphQL JSON result is an error naming status and body.
 */
export async function executeOperation(trestle: Trestle, test: MappingTest, headers: Record<string, string>): Promise<OperationResult> {
  const response = await trestle.fetch(
    new Request(`http://trestle.test${trestle.prefix}/graphql`, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json", accept: "application/graphql-response+json, application/json" },
      body: JSON.stringify({
        query: test.operation,
        variables: test.variables,
        ...(test.operationName === undefined ? {} : { operationName: test.operationName }),
      }),
    }),
  );
  const text = await response.text();
  let body: { data?: unknown; errors?: Array<{ message: string; path?: Array<string | number>; extensions?: { code?: unknown } }> };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new Error(`Trestle answered ${response.status} without a GraphQL result: ${text.slice(0, 200)}`);
  }
  const errors = (body.errors ?? []).map((error) => ({
    message: error.message,
    ...(typeof error.extensions?.code === "string" ? { code: error.extensions.code } : {}),
    ...(error.path === undefined ? {} : { path: error.path }),
  }));
  return { data: body.data ?? null, errors };
}
