import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Trestle, TrestleOptions } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { sendJson, startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";
import { runOnce, serveWithUpgrade, tryUpgrade, type WsServed } from "./ws-client.js";

// W01, cross-site WebSocket hijacking: a browser opens a WebSocket to any origin with the
// user's cookies attached and never asks CORS first, so the upgrade's Origin is checked
// against the one CORS policy before any socket exists.
const schema = (url: string) => `
  extend schema @upstream(name: "api", baseUrl: "${url}", headers: [
    { name: "cookie", from: "cookie" }, { name: "authorization", from: "authorization" }])
  type Query { me: Me @rest(path: "/me") }
  type Me { cookie: String authorization: String }`;

let upstream: TestUpstream;
beforeAll(async () => {
  upstream = await startTestUpstream((req, res) =>
    sendJson(
      res,
      200,
      { cookie: req.headers.cookie ?? null, authorization: req.headers.authorization ?? null },
      { "cache-control": "private, max-age=60" },
    ),
  );
});
afterAll(() => upstream?.close());
beforeEach(() => {
  upstream.requests.length = 0;
});

/** A Trestle with `options`, served with upgrade; closed after the suite. */
function useTrestle(options: Partial<TrestleOptions>): () => WsServed {
  let trestle: Trestle;
  let served: WsServed;
  beforeAll(async () => {
    trestle = await createTestTrestle(schema(upstream.url), options);
    served = await serveWithUpgrade(trestle);
  });
  afterAll(() => served?.close());
  return () => served;
}

const me = `{ me { cookie authorization } }`;
const ambient = { cookie: "session=s1", authorization: "Basic dXNlcjpwdw==" };

describe("with a cors list (credentials)", () => {
  const served = useTrestle({ cors: { origin: ["https://app.example.com"], credentials: true } });

  it("W01: a listed origin opens the socket, its cookies count", async () => {
    const outcome = await runOnce(`${served().ws}/graphql`, me, { headers: { origin: "https://app.example.com", ...ambient } });
    expect(outcome.results).toEqual([{ data: { me: ambient } }]);
  });

  it("W01: a page on another origin gets 403 on the upgrade: no socket, no upstream call; then the listed one is still served", async () => {
    for (const origin of [
      "https://evil.example",
      "https://app.example.com.evil.example",
      "null",
      "https://APP.example.com:444",
      "file://",
    ]) {
      const answer = await tryUpgrade(`${served().ws}/graphql`, { origin, ...ambient });
      expect(answer, origin).toEqual({
        status: 403,
        body: `WebSocket upgrades from a browser must come from an origin the cors option lists, received Origin ${JSON.stringify(origin)}\n`,
      });
    }
    expect(upstream.requests).toEqual([]);
    expect(await tryUpgrade(`${served().ws}/graphql`, { origin: "https://app.example.com" })).toEqual({ opened: true });
  });

  it("W01: no Origin (a non-browser client) and the server's own origin are allowed", async () => {
    expect((await runOnce(`${served().ws}/graphql`, me, { headers: ambient })).results).toEqual([{ data: { me: ambient } }]);
    const own = served().http;
    expect((await runOnce(`${served().ws}/graphql`, me, { headers: { origin: own, ...ambient } })).results).toEqual([
      { data: { me: ambient } },
    ]);
  });
});

describe("with cors: true (any origin, without credentials)", () => {
  const served = useTrestle({ cors: true });

  it("W02: any origin opens the socket, but the cookie and Authorization the browser attached are dropped; connectionParams still count", async () => {
    const outcome = await runOnce(`${served().ws}/graphql`, me, { headers: { origin: "https://anyone.example", ...ambient } });
    expect(outcome.results).toEqual([{ data: { me: { cookie: null, authorization: null } } }]);
    const explicit = await runOnce(`${served().ws}/graphql`, me, {
      headers: { origin: "https://anyone.example", ...ambient },
      connectionParams: { authorization: "Bearer from-script" },
    });
    expect(explicit.results).toEqual([{ data: { me: { cookie: null, authorization: "Bearer from-script" } } }]);
  });
});

describe("embedded without cors (the host owns CORS)", () => {
  const served = useTrestle({});

  it("W01: only the same origin (Origin's host equals Host) may open a socket; every other origin is 403", async () => {
    const own = served().http;
    expect(await tryUpgrade(`${served().ws}/graphql`, { origin: own })).toEqual({ opened: true });
    const answer = await tryUpgrade(`${served().ws}/graphql`, { origin: "http://localhost:3000", ...ambient });
    expect(answer).toEqual({
      status: 403,
      body: `WebSocket upgrades from a browser must come from the server's own origin (no cors option given), received Origin "http://localhost:3000"\n`,
    });
    // A forged Host does not help a page: the browser sends the real one, and it must match.
    expect(await tryUpgrade(`${served().ws}/graphql`, { origin: "https://evil.example", host: "trestle.example" })).toMatchObject({
      status: 403,
    });
    expect(upstream.requests).toEqual([]);
    expect((await runOnce(`${served().ws}/graphql`, me, { headers: { origin: own, ...ambient } })).results).toEqual([
      { data: { me: ambient } },
    ]);
  });
});

describe("with cors: true and a context that reads the session from host.req", () => {
  // What an app writes: its session cookie → {context.session}, sent upstream as a header.
  let trestle: Trestle;
  let served: WsServed;
  beforeAll(async () => {
    trestle = await createTestTrestle(
      `extend schema @upstream(name: "api", baseUrl: "${upstream.url}", headers: [{ name: "authorization", value: "{context.session}" }])
       type Query { me: Me @rest(path: "/me") }
       type Me { cookie: String authorization: String }`,
      { cors: true, context: (_request, host) => ({ session: host.req?.headers.cookie ?? "none" }) },
    );
    served = await serveWithUpgrade(trestle);
  });
  afterAll(() => served?.close());

  it("W02: host.req is left out for an origin allowed without credentials: the victim's cookie reaches no context", async () => {
    const outcome = await runOnce(`${served.ws}/graphql`, me, { headers: { origin: "https://anyone.example", ...ambient } });
    expect(outcome.results).toEqual([{ data: { me: { cookie: null, authorization: "none" } } }]);
    // A client without an Origin (not a browser) is its own: host.req is there.
    const own = await runOnce(`${served.ws}/graphql`, me, { headers: { ...ambient } });
    expect(own.results).toEqual([{ data: { me: { cookie: null, authorization: ambient.cookie } } }]);
  });
});
