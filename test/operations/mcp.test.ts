import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterEach, describe, expect, it } from "vitest";
import { useServedTrestle } from "../helpers/use-served-trestle.js";
import { answerUpstream, operationsSchema, writeOperations } from "./fixture.js";

// Issue 21: the operations as MCP tools at /mcp, called by the official SDK's client.

const operations = writeOperations();
const world = useServedTrestle({
  upstream: answerUpstream,
  schema: operationsSchema,
  options: { operations: operations.dir, cors: { origin: ["https://app.example"] } },
});

const clients: Client[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

async function connect(headers: Record<string, string> = {}): Promise<Client> {
  const client = new Client({ name: "trestle-test", version: "1.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${world.port}/mcp`), { requestInit: { headers } });
  await client.connect(transport);
  clients.push(client);
  return client;
}

const rpc = (body: unknown, headers: Record<string, string> = {}) =>
  fetch(`http://127.0.0.1:${world.port}/mcp`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers },
    body: JSON.stringify(body),
  });
const listTools = { jsonrpc: "2.0", id: 1, method: "tools/list", params: {} };

describe("MCP tools", () => {
  it("O01: the SDK client lists one tool per operation, with input and output schemas read from the operation", async () => {
    const client = await connect();
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(["CreateItem", "Failing", "Item", "Limited", "Search", "Slow"]);
    const item = tools.find((tool) => tool.name === "Item")!;
    expect(item.description).toBe("Looks up one item.\nIts tags included.");
    expect(item.annotations).toMatchObject({ readOnlyHint: true });
    expect(item.inputSchema).toEqual({
      type: "object",
      properties: { id: { type: "string", description: "The item's id, as the catalogue knows it." } },
      required: ["id"],
      additionalProperties: false,
    });
    expect(item.outputSchema).toEqual({
      type: "object",
      properties: {
        item: {
          type: ["object", "null"],
          properties: {
            __typename: { type: "string", enum: ["Item"] },
            id: { type: "string" },
            name: { type: "string" },
            color: { type: ["string", "null"], enum: ["RED", "GREEN", null] },
            tags: { type: "array", items: { type: "string" } },
          },
          required: ["__typename", "id", "name", "color", "tags"],
        },
      },
      required: ["item"],
    });
    const search = tools.find((tool) => tool.name === "Search")!;
    expect(search.description).toBe("Searches with every kind of variable.");
    expect(search.inputSchema.required).toBeUndefined();
    expect(search.inputSchema.properties).toMatchObject({
      ids: { type: ["array", "null"], items: { type: "string" } },
      limit: { type: ["integer", "null"], minimum: -2147483648, maximum: 2147483647 },
      color: { type: ["string", "null"], enum: ["RED", "GREEN", null] },
      filter: { anyOf: [{ $ref: "#/$defs/ItemFilter" }, { type: "null" }] },
    });
    expect(search.inputSchema["$defs"]).toEqual({
      ItemFilter: {
        type: "object",
        properties: { color: { type: "string", enum: ["RED", "GREEN"] }, tags: { type: ["array", "null"], items: { type: "string" } } },
        required: ["color"],
        additionalProperties: false,
      },
    });
    const create = tools.find((tool) => tool.name === "CreateItem")!;
    expect(create.annotations).toMatchObject({ readOnlyHint: false });
    expect(create.inputSchema["$defs"]).toMatchObject({ NewItem: { required: ["name"] } });
  });

  it("O08: a tool call runs the operation with the caller's Authorization, which reaches the upstream", async () => {
    const client = await connect({ authorization: "Bearer agent-42" });
    world.upstream.requests.length = 0;
    const result = await client.callTool({ name: "Item", arguments: { id: "3" } });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual({ item: { __typename: "Item", id: "3", name: "item 3", color: "GREEN", tags: ["a"] } });
    expect(JSON.parse((result.content as Array<{ text: string }>)[0]!.text)).toEqual(result.structuredContent);
    expect(world.upstream.requests.map((r) => [r.url, r.headers["authorization"]])).toEqual([["/items/3", "Bearer agent-42"]]);
  });

  it("O01: a mutation tool takes its input object; enum defaults apply", async () => {
    const client = await connect();
    const result = await client.callTool({ name: "CreateItem", arguments: { input: { name: "from agent" } } });
    expect(result.structuredContent).toEqual({ createItem: { __typename: "Item", id: "9", name: "from agent", color: "RED", tags: [] } });
  });

  it("O09: an upstream error is a tool result with isError, the codes and the partial data", async () => {
    const client = await connect();
    const timeout = await client.callTool({ name: "Slow", arguments: {} });
    expect(timeout.isError).toBe(true);
    const [summary, json] = timeout.content as Array<{ type: string; text: string }>;
    expect(summary!.text).toBe('UPSTREAM_TIMEOUT: Upstream "api" did not answer within 300 ms.');
    expect(JSON.parse(json!.text)).toMatchObject({
      data: { item: { id: "1" }, slow: null },
      errors: [{ extensions: { code: "UPSTREAM_TIMEOUT" } }],
    });
    const failing = await client.callTool({ name: "Failing", arguments: {} });
    expect(failing.isError).toBe(true);
    expect((failing.content as Array<{ text: string }>)[0]!.text).toMatch(/^UPSTREAM_ERROR: /);
  });

  it("O02: arguments the operation does not take, or values it refuses, are tool errors; the next call is served", async () => {
    const client = await connect();
    for (const [args, text] of [
      [{ id: "1", query: "{ __schema { types { name } } }" }, 'BAD_USER_INPUT: unknown member "query": this operation takes id'],
      [{}, /^BAD_USER_INPUT: Variable "\$id" of required type "ID!" was not provided/],
    ] as const) {
      const result = await client.callTool({ name: "Item", arguments: args });
      expect(result.isError).toBe(true);
      expect((result.content as Array<{ text: string }>)[0]!.text).toMatch(text);
    }
    const overflow = await client.callTool({ name: "Search", arguments: { limit: 2147483648 } });
    expect((overflow.content as Array<{ text: string }>)[0]!.text).toMatch(
      /^BAD_USER_INPUT: Variable "\$limit" got invalid value 2147483648; Int cannot represent non 32-bit signed integer value/,
    );
    expect((await client.callTool({ name: "Item", arguments: { id: "1" } })).isError).toBeFalsy();
  });

  it("O01: a tool that is not an operation of the folder (another file's, a made-up one) is an error, and runs nothing", async () => {
    const client = await connect();
    world.upstream.requests.length = 0;
    for (const name of ["Hidden", "__schema", "item", "graphql"]) {
      await expect(client.callTool({ name, arguments: { id: "secret" } })).rejects.toThrow(/Unknown tool/);
    }
    expect(world.upstream.requests).toHaveLength(0);
  });

  it("O04: a browser Origin the CORS policy does not list is 403 before anything runs (DNS rebinding); a listed one is served", async () => {
    for (const origin of ["https://evil.example", "http://localhost:6274", "null"]) {
      const response = await rpc(listTools, { origin });
      expect(response.status).toBe(403);
      expect(await response.json()).toEqual({
        jsonrpc: "2.0",
        error: { code: -32000, message: `Origin ${JSON.stringify(origin)} is not allowed to call /mcp (list it in cors / --cors)` },
        id: null,
      });
    }
    const allowed = await rpc(listTools, { origin: "https://app.example" });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://app.example");
    expect(((await allowed.json()) as { result: { tools: unknown[] } }).result.tools).toHaveLength(6);
  });

  it("O03: a POST a browser could send without a preflight is 403; GET and DELETE are 405 (stateless: no stream, no session)", async () => {
    for (const type of ["text/plain", "application/x-www-form-urlencoded"]) {
      const response = await fetch(`http://127.0.0.1:${world.port}/mcp`, {
        method: "POST",
        headers: { "content-type": type },
        body: JSON.stringify(listTools),
      });
      expect(response.status).toBe(403);
    }
    for (const method of ["GET", "DELETE"]) {
      const response = await fetch(`http://127.0.0.1:${world.port}/mcp`, { method, headers: { accept: "text/event-stream" } });
      expect(response.status).toBe(405);
      expect(response.headers.get("allow")).toBe("POST");
    }
    expect((await rpc(listTools)).status).toBe(200);
  });

  it("O06: a body over limits.maxRequestBytes is 413; a body that is not JSON is a JSON-RPC parse error; a batch (many tool calls for one request) is refused", async () => {
    const large = await rpc({ ...listTools, params: { pad: "x".repeat(2_000_000) } });
    expect(large.status).toBe(413);
    const broken = await fetch(`http://127.0.0.1:${world.port}/mcp`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: "{not json",
    });
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as { error: { code: number } }).error.code).toBe(-32700);
    const batch = await rpc([listTools, { ...listTools, id: 2, method: "tools/call", params: { name: "Item", arguments: { id: "1" } } }]);
    expect(batch.status).toBe(400);
    expect(((await batch.json()) as { error: { code: number; message: string } }).error).toEqual({
      code: -32600,
      message: "Invalid Request: send one JSON-RPC message per POST (batches are not served)",
    });
    expect((await rpc(listTools)).status).toBe(200);
  });
});
