import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { serveDefaults } from "../plan/serve-defaults.js";
import { createTrestle } from "../trestle.js";
import type { CliIo } from "./cli-io.js";

export const mcpUsage = `Usage: trestle mcp --stdio --operations DIR [options]

  --stdio                 speak MCP over stdin/stdout (newline-delimited JSON-RPC), for desktop agents
  --operations DIR        the named operations to serve as tools (a folder of .graphql files, or a file)
  --schema DIR            a folder of .graphql files, or a file (default: ${serveDefaults.schema})
  --header "Name: value"  a header every tool call carries, as an HTTP client's would (Authorization
                          reaches the upstream as the schema's header rules say); repeatable
  -h, --help              show this help

The tools are the ones /mcp serves (trestle serve --operations DIR): one engine, the same limits.
Logs go to stderr; stdout carries the protocol only. Docs: docs/operations.md`;

/**
 * `trestle mcp --stdio`: the operations as MCP tools over stdio. Each JSON-RPC line read from
 * stdin is handed to the instance's own /mcp route (stateless, JSON answers) with the
 * `--header`s, and its answer written to stdout as one line: the stdio transport is a bridge to
 * the one MCP route, not a second server. Ends when stdin closes.
 */
export async function runMcp(args: readonly string[], io: CliIo, stdin: NodeJS.ReadableStream = process.stdin): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: {
      stdio: { type: "boolean", default: false },
      operations: { type: "string" },
      schema: { type: "string", default: serveDefaults.schema },
      header: { type: "string", multiple: true, default: [] },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) {
    io.stdout(mcpUsage);
    return 0;
  }
  if (!values.stdio || values.operations === undefined) {
    io.stderr(`trestle mcp: expected --stdio and --operations DIR, received "${["mcp", ...args].join(" ")}"\n\n${mcpUsage}`);
    return 1;
  }
  const headers = new Headers({ "content-type": "application/json", accept: "application/json, text/event-stream" });
  for (const header of values.header) {
    const at = header.indexOf(":");
    if (at < 1) {
      io.stderr(`trestle mcp: --header takes "Name: value", received ${JSON.stringify(header)}`);
      return 1;
    }
    headers.set(header.slice(0, at).trim(), header.slice(at + 1).trim());
  }
  const trestle = await createTrestle({ schema: values.schema, operations: values.operations, cwd: io.cwd, env: io.env, logging: false });
  const pending = new Set<Promise<void>>();
  const answer = async (line: string) => {
    const response = await trestle.fetch(new Request(`http://stdio.invalid${trestle.prefix}/mcp`, { method: "POST", headers, body: line }));
    const text = await response.text();
    // 202 (a notification) has no answer; every other answer is one JSON-RPC message (or batch).
    if (text !== "") io.stdout(text.replace(/\n/g, " "));
  };
  for await (const line of createInterface({ input: stdin, crlfDelay: Infinity })) {
    if (line.trim() === "") continue;
    const done = answer(line).catch((error: unknown) => io.stderr(`trestle mcp: ${String(error)}`));
    pending.add(done);
    void done.finally(() => pending.delete(done));
  }
  await Promise.all(pending);
  await trestle.close();
  return 0;
}
