import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { keepAnswerPrivate } from "../../src/passthrough/keep-answer-private.js";
import { createEchoTrestle, echoSchema, startEchoUpstream, type EchoWorld } from "../cache/echo-fixture.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { serveTrestle, type TrestleServer } from "./raw-http.js";

let world: EchoWorld;
let trestle: Trestle;
let server: TrestleServer;

beforeAll(async () => {
  world = await startEchoUpstream();
  trestle = await createEchoTrestle(world);
  server = await serveTrestle(trestle);
});
afterAll(async () => {
  await server.close();
  await trestle.close();
  await world.upstream.close();
});

/** The Cache-Control a client of the passthrough route gets, through trestle.fetch or over HTTP (trestle.handle). */
async function cacheControlOf(via: "fetch" | "handle", path: string, headers: Record<string, string>): Promise<string | null> {
  const response =
    via === "fetch"
      ? await trestle.fetch(new Request(`http://trestle.test/rest/echo${path}`, { headers }))
      : await fetch(`${server.url}/rest/echo${path}`, { headers });
  expect(response.status).toBe(200);
  await response.arrayBuffer();
  return response.headers.get("cache-control");
}

describe("S04: passthrough answers to credentialed requests are not public on the way out", () => {
  it.each(["fetch", "handle"] as const)(
    "S04 (%s): the upstream's public becomes private for authorization, cookie and an identity header; stays public without them",
    async (via) => {
      let id = 0;
      for (const credential of [
        { authorization: "Bearer alice" },
        { cookie: "sid=alice" },
        { "x-api-key": "k-alice" },
        { "x-tenant": "acme" },
      ]) {
        expect(await cacheControlOf(via, `/r/public/${via}-${id++}`, credential)).toBe("private, max-age=60");
        expect(await cacheControlOf(via, `/r/vary/${via}-${id++}`, credential)).toBe("private, max-age=60");
      }
      // Content negotiation is not identity: the answer stays as public as the upstream said.
      expect(await cacheControlOf(via, `/r/public/${via}-${id++}`, { "accept-language": "fr" })).toBe("public, max-age=60");
      expect(await cacheControlOf(via, `/r/public/${via}-${id++}`, {})).toBe("public, max-age=60");
      expect(await cacheControlOf(via, `/r/private/${via}-${id++}`, { authorization: "Bearer bob" })).toBe("private, max-age=60");
      expect(await cacheControlOf(via, `/r/nostore/${via}-${id++}`, { authorization: "Bearer bob" })).toBe("no-store");
    },
  );

  it("S04: under @upstream(cache: { scope: PUBLIC }) the schema shares the answer, and it stays public", async () => {
    const shared = await createTestTrestle(
      echoSchema(world.upstream.url).replace("breaker: { failures: 0 },", "breaker: { failures: 0 }, cache: { scope: PUBLIC },"),
    );
    try {
      const response = await shared.fetch(
        new Request("http://trestle.test/rest/echo/r/public/shared-1", { headers: { authorization: "Bearer alice" } }),
      );
      await response.arrayBuffer();
      expect(response.headers.get("cache-control")).toBe("public, max-age=60");
    } finally {
      await shared.close();
    }
  });
});

describe("keepAnswerPrivate", () => {
  it.each([
    ["public, max-age=60", "private, max-age=60"],
    ["max-age=60, s-maxage=600", "private, max-age=60"],
    ["PUBLIC,max-age=5,  must-revalidate", "private, max-age=5, must-revalidate"],
    ["private, max-age=60", "private, max-age=60"],
    ["no-store", "no-store"],
    ["s-maxage=10", "private"],
  ])("%s → %s", (given, expected) => {
    expect(keepAnswerPrivate(given)).toBe(expected);
  });
});
