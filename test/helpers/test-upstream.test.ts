import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGate, until } from "./gate.js";
import { sendJson, startTestUpstream, type TestUpstream } from "./test-upstream.js";

// The helpers tests wait with: they must resolve on the event, and only then.
let upstream: TestUpstream;
const gate = createGate();

beforeAll(async () => {
  upstream = await startTestUpstream(async (req, res) => {
    if (req.url === "/held") await gate.opened;
    sendJson(res, 200, { url: req.url });
  });
});
afterAll(async () => {
  gate.open();
  await upstream.close();
});

describe("test upstream", () => {
  it("nextRequest resolves with the next request to arrive, not one that came before", async () => {
    await fetch(`${upstream.url}/before`);
    const next = upstream.nextRequest();
    await fetch(`${upstream.url}/after`, { method: "POST", body: "b" });
    expect(await next).toMatchObject({ method: "POST", url: "/after", body: "b" });
  });

  it("waitForRequests(n) resolves once n requests are recorded, at once if they are", async () => {
    upstream.requests.length = 0;
    const two = upstream.waitForRequests(2);
    let resolved = false;
    void two.then(() => (resolved = true));
    await fetch(`${upstream.url}/one`);
    expect(resolved).toBe(false);
    await fetch(`${upstream.url}/two`);
    expect((await two).map((r) => r.url)).toEqual(["/one", "/two"]);
    expect(await upstream.waitForRequests(1)).toHaveLength(2);
  });

  it("a held answer is recorded on arrival and sent when the gate opens", async () => {
    const answer = fetch(`${upstream.url}/held`);
    expect((await upstream.nextRequest()).url).toBe("/held");
    gate.open();
    expect(await (await answer).json()).toEqual({ url: "/held" });
  });

  it("until resolves when its check holds and fails past its limit", async () => {
    let n = 0;
    await until(() => ++n === 3, "three looks");
    expect(n).toBe(3);
    await expect(until(() => false, "nothing", 20)).rejects.toThrow("gave up waiting for nothing after 20 ms");
  });
});
