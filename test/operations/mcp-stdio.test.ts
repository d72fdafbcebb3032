import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliIo } from "../../src/cli/cli-io.js";
import { main } from "../../src/cli/main.js";
import { startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";
import { answerUpstream, operationsSchema, writeOperations } from "./fixture.js";

// Issue 21: `trestle mcp --stdio`, the operations as MCP tools for desktop agents, driven by the
// SDK's stdio client transport (which spawns bin/trestle.js, the built CLI).

let upstream: TestUpstream;
let client: Client;
let stderr = "";

beforeAll(async () => {
  upstream = await startTestUpstream(answerUpstream);
  const dir = mkdtempSync(join(tmpdir(), "trestle-mcp-stdio-"));
  writeFileSync(join(dir, "schema.graphql"), operationsSchema(upstream.url));
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [
      "bin/trestle.js",
      "mcp",
      "--stdio",
      "--schema",
      join(dir, "schema.graphql"),
      "--operations",
      writeOperations().dir,
      "--header",
      "Authorization: Bearer desk-1",
    ],
    env: { PATH: process.env["PATH"] ?? "" },
    stderr: "pipe",
  });
  transport.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  client = new Client({ name: "desktop-agent", version: "1.0.0" });
  await client.connect(transport);
});
afterAll(async () => {
  await client?.close();
  await upstream?.close();
});

describe("trestle mcp --stdio", () => {
  it("O01: lists the operations as tools and calls one, stdout carrying the protocol only", async () => {
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(["CreateItem", "Failing", "Item", "Limited", "Search", "Slow"]);
    const result = await client.callTool({ name: "Item", arguments: { id: "8" } });
    expect(result.structuredContent).toEqual({ item: { __typename: "Item", id: "8", name: "item 8", color: "GREEN", tags: ["a"] } });
    const failing = await client.callTool({ name: "Failing", arguments: {} });
    expect(failing.isError).toBe(true);
    expect(stderr).toBe("");
  });

  it("O08: --header values reach the upstream as the schema's header rules say", async () => {
    upstream.requests.length = 0;
    await client.callTool({ name: "Item", arguments: { id: "9" } });
    expect(upstream.requests.map((r) => r.headers["authorization"])).toEqual(["Bearer desk-1"]);
  });

  it("O07: refuses to start without --stdio and --operations, or with a malformed --header", async () => {
    const err: string[] = [];
    const io: CliIo = { stdout: () => undefined, stderr: (t) => err.push(t), cwd: process.cwd(), env: {} };
    expect(await main(["mcp", "--operations", "operations/"], io)).toBe(1);
    expect(err[0]).toMatch(/^trestle mcp: expected --stdio and --operations DIR, received "mcp --operations operations\/"/);
    expect(await main(["mcp", "--stdio", "--operations", "operations/", "--header", "nocolon"], io)).toBe(1);
    expect(err[1]).toBe('trestle mcp: --header takes "Name: value", received "nocolon"');
  });
});
