/** A subscription request's GraphQL-over-HTTP parameters. */
export interface SseParams {
  query: string;
  variables: Record<string, unknown> | undefined;
  operationName: string | undefined;
}

/**
 * The parameters of a GraphQL-over-SSE request, when they are well formed: a JSON POST's body,
 * or a GET's query string (`variables` as JSON text). Undefined for anything else: yoga's route
 * answers it, with its own words for what is wrong.
 */
export const readSseParams = {
  fromBody(body: unknown): SseParams | undefined {
    if (body === null || typeof body !== "object" || Array.isArray(body)) return undefined;
    const { query, variables, operationName, extensions } = body as Record<string, unknown>;
    return check(query, variables, operationName, extensions);
  },
  fromTarget(target: string): SseParams | undefined {
    const at = target.indexOf("?");
    if (at < 0) return undefined;
    const search = new URLSearchParams(target.slice(at + 1));
    try {
      const json = (name: string) => {
        const text = search.get(name);
        return text ? (JSON.parse(text) as unknown) : undefined;
      };
      return check(search.get("query") ?? undefined, json("variables"), search.get("operationName") || undefined, json("extensions"));
    } catch {
      return undefined;
    }
  },
};

function check(query: unknown, variables: unknown, operationName: unknown, extensions: unknown): SseParams | undefined {
  if (typeof query !== "string" || query === "") return undefined;
  if (!isMap(variables) || !isMap(extensions)) return undefined;
  if (operationName !== undefined && operationName !== null && typeof operationName !== "string") return undefined;
  return {
    query,
    variables: (variables as Record<string, unknown> | null) ?? undefined,
    operationName: (operationName as string | null) ?? undefined,
  };
}

function isMap(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === "object" && !Array.isArray(value));
}
