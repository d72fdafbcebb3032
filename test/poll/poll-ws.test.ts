import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { subscribeOverSse } from "../helpers/sse-subscribe.js";
import { errorsOf, openClient, run, serveWithUpgrade, type WsServed } from "../streams/ws-client.js";
import { pollSchema, startWorkflowUpstream, type WorkflowUpstream } from "./workflow-upstream.js";

// `poll:` subscriptions over GraphQL over WebSocket (graphql-ws's client), and both transports on one loop.
const runQuery = `subscription ($id: ID!) { run(id: $id) { id state } }`;

describe("Jobs (#19) poll: over WebSocket", () => {
  let upstream: WorkflowUpstream;
  let trestle: Trestle;
  let served: WsServed;
  beforeAll(async () => {
    upstream = await startWorkflowUpstream(150);
    trestle = await createTestTrestle(pollSchema(upstream.url));
    served = await serveWithUpgrade(trestle);
  });
  afterAll(async () => {
    await served?.close();
    await upstream?.close();
  });

  it("J14: a triggered run is followed to success over WebSocket: distinct states, then complete", async () => {
    const created = (await (await fetch(`${upstream.url}/runs`, { method: "POST", body: "{}" })).json()) as { id: string };
    const client = openClient(`${served.ws}/graphql`);
    const outcome = await run(client, runQuery, { id: created.id });
    await client.dispose();
    expect(outcome.error).toBeUndefined();
    const seen = outcome.results.map((r) => (r.data?.["run"] as { state: string }).state);
    expect(seen.at(-1)).toBe("success");
    expect(seen.every((s, i) => i === 0 || s !== seen[i - 1])).toBe(true);
  });

  it("J14: an unknown run over WebSocket: one error payload with its code, then complete", async () => {
    const client = openClient(`${served.ws}/graphql`);
    const outcome = await run(client, runQuery, { id: "missing" });
    await client.dispose();
    expect(errorsOf(outcome)[0]?.extensions).toMatchObject({ code: "UPSTREAM_ERROR", status: 404 });
  });

  it("J14: an SSE subscriber and a WebSocket subscriber of the same run share one loop and get the same payloads", async () => {
    upstream.put("both", "running");
    const sse = await subscribeOverSse(`${served.http}/graphql`, runQuery, { id: "both" });
    expect((await sse.next())?.data).toEqual({ run: { id: "both", state: "running" } });
    const client = openClient(`${served.ws}/graphql`);
    const results: unknown[] = [];
    let first: () => void = () => undefined;
    const gotFirst = new Promise<void>((resolve) => (first = resolve));
    const ws = new Promise<void>((resolve, reject) =>
      client.subscribe(
        { query: runQuery, variables: { id: "both" } },
        { next: (result) => (results.push(result.data), first()), error: reject, complete: resolve },
      ),
    );
    await gotFirst; // joined the running loop: it got the latest answer at once
    upstream.set("both", "success");
    expect((await sse.next())?.data).toEqual({ run: { id: "both", state: "success" } });
    expect(await sse.next()).toBeUndefined();
    await ws;
    await client.dispose();
    expect(results).toEqual([{ run: { id: "both", state: "running" } }, { run: { id: "both", state: "success" } }]);
  });
});
