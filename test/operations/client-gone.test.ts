import { request } from "node:http";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useServedTrestle } from "../helpers/use-served-trestle.js";

// Issue 21: an /api or /mcp caller that goes away abandons its upstream call, as on /graphql.

const dir = mkdtempSync(join(tmpdir(), "trestle-operations-"));
writeFileSync(join(dir, "hang.graphql"), "query Hang { hang { id } }\n");
const closed: Array<() => void> = [];
const world = useServedTrestle({
  // Never answers; tells when Trestle lets go of the call (its connection closes).
  upstream: (_req, res) => {
    res.once("close", () => closed.shift()?.());
    return new Promise(() => undefined);
  },
  schema: (url) => `
    extend schema @upstream(name: "api", baseUrl: "${url}", timeoutMs: 60000, retry: { attempts: 1 })
    type Query { hang: Item @rest(upstream: "api", path: "/hang") }
    type Item { id: ID }
  `,
  options: { operations: dir },
});

/** Sends a request, waits for the upstream to get its call, then goes away; resolves once the upstream call is let go. */
async function leaveMidCall(method: string, path: string, body?: string): Promise<void> {
  const released = new Promise<void>((resolve) => closed.push(resolve));
  const arrived = world.upstream.nextRequest();
  const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json, text/event-stream" };
  const client = request({ host: "127.0.0.1", port: world.port, method, path, headers });
  client.on("error", () => undefined);
  client.end(body);
  await arrived;
  client.destroy();
  await released;
}

describe("a caller that goes away", () => {
  it("O01: on /api, the upstream call is abandoned (not held for its 60 s timeout)", async () => {
    await leaveMidCall("GET", "/api/Hang");
    expect(world.upstream.requests).toHaveLength(1);
  });

  it("O01: on /mcp, a tool call's upstream call is abandoned too", async () => {
    await leaveMidCall(
      "POST",
      "/mcp",
      JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "Hang", arguments: {} } }),
    );
    expect(world.upstream.requests).toHaveLength(1);
  });
});
