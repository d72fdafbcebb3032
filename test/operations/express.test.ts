import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { trestleExpress, type Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";
import { answerUpstream, operationsSchema, writeOperations } from "./fixture.js";

// Issue 21: /api and /mcp inside an Express app whose express.json() has read the body already,
// beside the app's own routes.

let upstream: TestUpstream;
let trestle: Trestle;
let server: Server;
let base: string;

beforeAll(async () => {
  upstream = await startTestUpstream(answerUpstream);
  trestle = await createTestTrestle(operationsSchema(upstream.url), { operations: writeOperations().dir, prefix: "/bff" });
  const app = express();
  app.use(express.json());
  app.use(trestleExpress(trestle));
  app.get("/api/own", (_req, res) => void res.json({ own: true }));
  server = app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await trestle.close();
  await upstream.close();
});

describe("operations in an Express app", () => {
  it("O01: a POST whose body express.json() parsed runs with those variables, on /api and /mcp; the app keeps its own /api", async () => {
    const created = await fetch(`${base}/bff/api/CreateItem`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ input: { name: "via express" } }),
    });
    expect(await created.json()).toMatchObject({ createItem: { name: "via express", color: "RED" } });
    const refused = await fetch(`${base}/bff/api/Item`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"query":"{__typename}"}',
    });
    expect(refused.status).toBe(400);
    const tools = await fetch(`${base}/bff/mcp`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "Item", arguments: { id: "5" } } }),
    });
    expect(await tools.json()).toMatchObject({ result: { structuredContent: { item: { id: "5" } } } });
    expect(await (await fetch(`${base}/api/own`)).json()).toEqual({ own: true });
  });
});
