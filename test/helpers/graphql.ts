import type { Trestle } from "../../src/index.js";

export interface GraphQLResult {
  status: number;
  data?: Record<string, unknown> | null;
  errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, unknown> }>;
  extensions?: Record<string, unknown>;
}

/** Runs one operation through `trestle.fetch`, as a client would send it. */
export async function query(
  trestle: Trestle,
  document: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
  path = "/graphql",
): Promise<GraphQLResult> {
  const response = await trestle.fetch(
    new Request(`http://trestle.test${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/graphql-response+json, application/json", ...headers },
      body: JSON.stringify({ query: document, variables }),
    }),
  );
  const body = (await response.json()) as Omit<GraphQLResult, "status">;
  return { status: response.status, ...body };
}

/** An operation whose client goes away when `leave()` is called (its Request's signal aborts); `done` settles once Trestle lets go. */
export function queryThenLeave(trestle: Trestle, document: string): { leave(): void; done: Promise<unknown> } {
  const controller = new AbortController();
  const request = new Request("http://trestle.test/graphql", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query: document }),
    signal: controller.signal,
  });
  return { leave: () => controller.abort(), done: trestle.fetch(request).catch((error: unknown) => error) };
}
