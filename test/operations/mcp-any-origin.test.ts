import { describe, expect, it } from "vitest";
import { useServedTrestle } from "../helpers/use-served-trestle.js";
import { answerUpstream, operationsSchema, writeOperations } from "./fixture.js";

// O10: `cors: true` (any origin, as `*`) opens /graphql and /api to every site; the tools at
// /mcp still need a browser Origin listed by name (DNS rebinding: MCP servers must check Origin).
const operations = writeOperations();
const world = useServedTrestle({ upstream: answerUpstream, schema: operationsSchema, options: { operations: operations.dir, cors: true } });

const post = (path: string, body: unknown, headers: Record<string, string>) =>
  fetch(`http://127.0.0.1:${world.port}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
    body: JSON.stringify(body),
  });
const listTools = { jsonrpc: "2.0", id: 1, method: "tools/list", params: {} };

describe("/mcp with cors: true", () => {
  it("O10: any browser Origin is refused at /mcp with 403 (the wildcard does not count), while /graphql serves it", async () => {
    for (const origin of ["https://evil.example", "http://rebind.attacker.test:4000", "null"]) {
      const refused = await post("/mcp", listTools, { origin });
      expect(refused.status).toBe(403);
      expect(await refused.json()).toEqual({
        jsonrpc: "2.0",
        error: {
          code: -32000,
          message: `Origin ${JSON.stringify(origin)} is not allowed to call /mcp (list it in cors / --cors; any origin (*) does not count for MCP)`,
        },
        id: null,
      });
      const graphql = await post("/graphql", { query: "{ __typename }" }, { origin });
      expect(graphql.status).toBe(200);
      expect(graphql.headers.get("access-control-allow-origin")).toBe("*");
    }
    expect(world.upstream.requests).toHaveLength(0);
    // An agent that is not a browser sends no Origin: served.
    const agent = await post("/mcp", listTools, {});
    expect(agent.status).toBe(200);
    expect(((await agent.json()) as { result: { tools: unknown[] } }).result.tools.length).toBeGreaterThan(0);
  });
});
