import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDemoUpstream, type DemoUpstream } from "../../src/demo/demo-upstream.js";
import type { Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { serveTrestle, type TrestleServer } from "./raw-http.js";

// The demo schema opens `passthrough: { methods: [GET, POST], paths: ["/models/**", "/pipelines/**"] }` on "ml".
let demo: DemoUpstream;
let trestle: Trestle;
let server: TrestleServer;

beforeAll(async () => {
  demo = await startDemoUpstream();
  trestle = await createTestTrestle("schema/", { env: { DEMO_API_URL: demo.url } });
  server = await serveTrestle(trestle);
});
afterAll(async () => {
  await server.close();
  await trestle.close();
  await demo.close();
});

describe("the demo BFF's passthrough routes", () => {
  it("serves the README's curl: GET /rest/ml/models/fraud-xgb", async () => {
    demo.resetRequests();
    const response = await fetch(`${server.url}/rest/ml/models/fraud-xgb`, {
      headers: { authorization: "Bearer user-3", cookie: "s=CANARY" },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(await response.json()).toMatchObject({ name: "fraud-xgb", latest_version: 5 });
    const [seen] = demo.requests;
    expect(seen).toMatchObject({ method: "GET", url: "/models/fraud-xgb" });
    expect(seen?.headers).toMatchObject({ authorization: "Bearer user-3", "x-api-key": "demo-key" });
    expect(seen?.headers["cookie"]).toBeUndefined();
  });

  it("posts a prediction, body streamed through", async () => {
    const response = await fetch(`${server.url}/rest/ml/models/fraud-xgb/predict`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ inputs: [[0.1, 0.2, 0.3]] }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ model: "fraud-xgb", model_version: 5 });
  });

  it("passes the upstream's own errors as they are (a FastAPI-style 422)", async () => {
    const response = await fetch(`${server.url}/rest/ml/models/fraud-xgb/predict`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(response.status).toBe(422);
    expect(await response.json()).toMatchObject({ detail: [{ type: "missing", loc: ["body", "inputs"] }] });
  });

  it("lists pipelines with the query string kept", async () => {
    const response = await fetch(`${server.url}/rest/ml/pipelines?limit=2`);
    expect(response.status).toBe(200);
  });

  it("opens only the declared paths and methods", async () => {
    const users = await fetch(`${server.url}/rest/ml/users/1`);
    expect(users.status).toBe(404);
    const remove = await fetch(`${server.url}/rest/ml/models/fraud-xgb`, { method: "DELETE" });
    expect([remove.status, remove.headers.get("allow")]).toEqual([405, "GET, POST, HEAD"]);
  });
});
