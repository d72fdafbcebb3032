import { describe, expect, it } from "vitest";
import { post, secrets, traceIdSent, traceOf, useTraceWorld } from "./trace-world.js";

const world = useTraceWorld();

describe("T24: no planted secret in any span", () => {
  it("T24: an {env.X} token in a header and a query, a client's Authorization and a variable value reach the upstream but no span", async () => {
    const { status } = await post(
      world.port,
      "query Find($q: String!) { users { name } search(q: $q) { name } }",
      { q: secrets.variable },
      { authorization: secrets.authorization },
    );
    expect(status).toBe(200);
    const [users, search] = [...world.upstream.requests].sort((a, b) => a.url.localeCompare(b.url)).reverse();
    // The upstream got every secret: they were sent, and only the traces leave them out.
    expect(users!.url).toBe(`/users?token=${secrets.env}`);
    expect(search!.url).toBe(`/search?q=${secrets.variable}`);
    expect(users!.headers["x-api-key"]).toBe(secrets.env);
    expect(users!.headers["authorization"]).toBe(secrets.authorization);
    const spans = await traceOf(world.receiver, traceIdSent(users));
    expect(
      spans
        .filter((span) => span.kind === 3)
        .map((span) => span.attributes["url.full"])
        .sort(),
    ).toEqual([`${world.upstream.url}/search?q=REDACTED`, `${world.upstream.url}/users?token=REDACTED`]);
    await world.sdk.flush();
    const exported = world.receiver.bodies.join("\n");
    expect(exported).toContain(spans[0]!.traceId);
    for (const secret of [secrets.env, secrets.authorization, "client-token-51d2e8", secrets.variable])
      expect(exported).not.toContain(secret);
  });

  it("T24: a passthrough call's query values and Authorization stay out of its spans, and a failed call's error too", async () => {
    const response = await fetch(`http://127.0.0.1:${world.port}/rest/api/items/9?key=${secrets.variable}&flag`, {
      headers: { authorization: secrets.authorization },
    });
    expect(response.status).toBe(200);
    const spans = await traceOf(world.receiver, traceIdSent(world.upstream.requests[0]));
    expect(spans.find((span) => span.kind === 3)!.attributes["url.full"]).toBe(`${world.upstream.url}/items/9?key=REDACTED&REDACTED`);
    // An upstream that cannot be reached: the error's message names the URL, the span only the code.
    const failed = await post(world.port, "query Bad($q: String!) { search(q: $q) { name } broken { id } }", { q: secrets.variable });
    expect(failed.status).toBe(200);
    await traceOf(world.receiver, traceIdSent(world.upstream.requests.at(-1)));
    const exported = world.receiver.bodies.join("\n");
    expect(exported).toContain("UPSTREAM_ERROR");
    for (const secret of [secrets.env, "client-token-51d2e8", secrets.variable]) expect(exported).not.toContain(secret);
  });
});
