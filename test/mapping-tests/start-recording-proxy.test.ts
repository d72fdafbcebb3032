import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { UpstreamPlan } from "../../src/plan/schema-plan.js";
import { startRecordingProxy } from "../../src/mapping-tests/start-recording-proxy.js";
import type { MappingExchange } from "../../src/mapping-tests/mapping-test.js";
import { rawRequest, sendRaw } from "../passthrough/raw-http.js";
import { sendJson, startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";

let upstream: TestUpstream;
let other: TestUpstream;
beforeAll(async () => {
  upstream = await startTestUpstream((req, res) => sendJson(res, 200, { at: req.url }));
  other = await startTestUpstream((req, res) => sendJson(res, 200, { leaked: req.url }));
});
afterAll(async () => {
  await upstream.close();
  await other.close();
});

function planOf(url: string): UpstreamPlan {
  const { origin, pathname } = new URL(url);
  return { name: "api", origin, basePath: pathname.replace(/\/$/, ""), headers: [] } as unknown as UpstreamPlan;
}

describe("the recording proxy", () => {
  it("M13: forwards origin-form targets below the base URL's path, and records them relative to it", async () => {
    const exchanges: MappingExchange[] = [];
    const proxy = await startRecordingProxy(planOf(`${upstream.url}/v2`), exchanges, false);
    const answer = await sendRaw(Number(new URL(proxy.url).port), rawRequest("GET /items?x=1 HTTP/1.1"));
    await proxy.close();
    expect(JSON.parse(answer.body)).toEqual({ at: "/v2/items?x=1" });
    expect(exchanges).toEqual([
      { request: { method: "GET", path: "/items?x=1" }, response: { status: 200, body: { at: "/v2/items?x=1" } } },
    ]);
  });

  for (const target of [`@127.0.0.1:${0}/x`, "http://127.0.0.1:1/x", "*"]) {
    it(`M13: refuses the target "${target}" (another host through the base URL), recording nothing`, async () => {
      const exchanges: MappingExchange[] = [];
      const proxy = await startRecordingProxy(planOf(upstream.url), exchanges, false);
      const port = Number(new URL(proxy.url).port);
      const evil = target.replace(":0/", `:${new URL(other.url).port}/`);
      const answer = await sendRaw(port, rawRequest(`GET ${evil} HTTP/1.1`));
      expect(answer.status === 400 || answer.status === 0).toBe(true);
      expect(other.requests).toHaveLength(0);
      expect(exchanges).toEqual([]);
      // The proxy still forwards the next, normal call.
      const normal = await sendRaw(port, rawRequest("GET /ok HTTP/1.1"));
      expect(JSON.parse(normal.body)).toEqual({ at: "/ok" });
      await proxy.close();
    });
  }
});
