import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Trestle, TrestleOptions } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { query } from "../helpers/graphql.js";
import { sendJson, startTestUpstream, type RecordedRequest, type TestUpstream } from "../helpers/test-upstream.js";
import { rawRequest, sendRaw, serveTrestle, type TrestleServer } from "./raw-http.js";

// S02: cache poisoning through the client's Host. The upstream builds absolute links the way
// Django, Express ("trust proxy") and Rails do: from X-Forwarded-Host / Forwarded host=, then
// Host, and lets its answers be cached by everyone.
let upstream: TestUpstream;

/** The host and scheme an upstream framework that trusts its proxy headers would link to. */
function publicOrigin(req: RecordedRequest): string {
  const forwarded = /host="?([^";,]+)/i.exec(String(req.headers["forwarded"] ?? ""))?.[1];
  const host = String(req.headers["x-forwarded-host"] ?? forwarded ?? req.headers["host"]);
  const proto = String(req.headers["x-forwarded-proto"] ?? "http");
  return `${proto}://${host}`;
}

beforeAll(async () => {
  upstream = await startTestUpstream((req, res) => {
    const path = req.url.split("?")[0]!;
    sendJson(res, 200, { self: `${publicOrigin(req)}${path}` }, { "cache-control": "public, max-age=300" });
  });
});
afterAll(async () => {
  await upstream.close();
});
beforeEach(() => {
  upstream.requests.length = 0;
});

interface Setup {
  trestle: Trestle;
  server: TrestleServer;
  close(): Promise<void>;
}

async function setup(options: Partial<TrestleOptions> = {}): Promise<Setup> {
  const trestle = await createTestTrestle(
    /* GraphQL */ `
    extend schema @upstream(name: "api", baseUrl: "${upstream.url}/api", passthrough: { paths: ["/models/**"] })
    type Query { model(name: String!): Model @rest(upstream: "api", path: "/models/{args.name}") }
    type Model { self: String }
  `,
    options,
  );
  const server = await serveTrestle(trestle);
  return {
    trestle,
    server,
    close: async () => {
      await server.close();
      await trestle.close();
    },
  };
}

/** Every header value the upstream received, lower-cased, to look for the attacker's host. */
const everythingSent = () => upstream.requests.map((r) => JSON.stringify(r.headers).toLowerCase()).join("\n");

const attacks: Array<[string, string]> = [
  ["Host", rawRequest("GET /rest/api/models/m HTTP/1.1").replace("Host: trestle.test", "Host: evil.example")],
  ["upper-case Host with a port", rawRequest("GET /rest/api/models/m HTTP/1.1").replace("Host: trestle.test", "Host: EVIL.EXAMPLE:8443")],
  ["Host with a trailing dot", rawRequest("GET /rest/api/models/m HTTP/1.1").replace("Host: trestle.test", "Host: evil.example.")],
  ["X-Forwarded-Host", rawRequest("GET /rest/api/models/m HTTP/1.1", { "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "http" })],
  ["Forwarded host=", rawRequest("GET /rest/api/models/m HTTP/1.1", { Forwarded: "for=1.2.3.4;host=evil.example;proto=http" })],
  [
    "quoted Forwarded host and a host name as X-Forwarded-For",
    rawRequest("GET /rest/api/models/m HTTP/1.1", { Forwarded: 'host="evil.example"', "X-Forwarded-For": "evil.example" }),
  ],
  ["absolute-form target", rawRequest("GET http://evil.example/rest/api/models/m HTTP/1.1")],
  [
    "absolute-form target and Host",
    rawRequest("GET http://evil.example/rest/api/models/m HTTP/1.1").replace("Host: trestle.test", "Host: evil.example"),
  ],
];

describe("S02: a client's Host never reaches a shared answer", () => {
  let it_: Setup;
  beforeAll(async () => {
    it_ = await setup();
  });
  afterAll(async () => {
    await it_.close();
  });

  it.each(attacks)("S02: %s — the attacker's host is not forwarded, and normal users never see it", async (_name, attack) => {
    await it_.trestle.cache.purge("api");
    const answer = await sendRaw(it_.server.port, attack);
    expect(answer.body).not.toMatch(/evil/i);
    expect(everythingSent()).not.toContain("evil");

    const passthrough = await sendRaw(it_.server.port, rawRequest("GET /rest/api/models/m HTTP/1.1"));
    expect(passthrough.status).toBe(200);
    expect(JSON.parse(passthrough.body)).toEqual({ self: `http://${new URL(upstream.url).host}/api/models/m` });
    const field = await query(it_.trestle, `{ model(name: "m") { self } }`);
    expect(field.data).toEqual({ model: { self: `http://${new URL(upstream.url).host}/api/models/m` } });
  });

  it("S02: the same through trestle.fetch, whose Request URL carries the client's host", async () => {
    await it_.trestle.cache.purge("api");
    const attacker = await it_.trestle.fetch(
      new Request("https://evil.example/rest/api/models/m", {
        headers: { "x-forwarded-host": "evil.example", forwarded: "host=evil.example" },
      }),
    );
    expect(await attacker.text()).not.toMatch(/evil/i);
    const user = await it_.trestle.fetch(new Request("http://trestle.test/rest/api/models/m"));
    expect(await user.text()).not.toMatch(/evil/i);
    expect((await query(it_.trestle, `{ model(name: "m") { self } }`)).data).toEqual({
      model: { self: `http://${new URL(upstream.url).host}/api/models/m` },
    });
    expect(everythingSent()).not.toContain("evil");
  });
});

describe("S02: passthrough.forwardedHosts", () => {
  let it_: Setup;
  beforeAll(async () => {
    it_ = await setup({ passthrough: { forwardedHosts: ["api.example.com", "WWW.example.com:8443"] } });
  });
  afterAll(async () => {
    await it_.close();
  });

  const as = (host: string, headers: Record<string, string> = {}) =>
    sendRaw(it_.server.port, rawRequest("GET /rest/api/models/m HTTP/1.1", headers).replace("Host: trestle.test", `Host: ${host}`));

  it("S02: a listed host is forwarded in its listed spelling, with the scheme, and cached per host", async () => {
    expect(JSON.parse((await as("API.Example.com")).body)).toEqual({ self: "http://api.example.com/api/models/m" });
    expect(upstream.requests[0]?.headers).toMatchObject({
      "x-forwarded-host": "api.example.com",
      "x-forwarded-proto": "http",
      forwarded: "for=127.0.0.1;host=api.example.com;proto=http",
    });
    expect(JSON.parse((await as("www.example.com:8443")).body)).toEqual({ self: "http://www.example.com:8443/api/models/m" });
    // Each host has its own entry, and so does the field, which forwards no host.
    expect(JSON.parse((await as("api.example.com")).body)).toEqual({ self: "http://api.example.com/api/models/m" });
    expect((await query(it_.trestle, `{ model(name: "m") { self } }`)).data).toEqual({
      model: { self: `http://${new URL(upstream.url).host}/api/models/m` },
    });
    expect(upstream.requests).toHaveLength(3);
  });

  it.each([
    ["an unlisted host", "evil.example"],
    ["a listed host on another port", "api.example.com:9999"],
    ["a listed name as a suffix", "evil.api.example.com"],
  ])("S02: %s is not forwarded, and listed hosts are still served their own links", async (_name, host) => {
    await it_.trestle.cache.purge("api");
    expect((await as(host, { "X-Forwarded-Host": "evil.example" })).body).not.toMatch(/evil/);
    expect(everythingSent()).not.toMatch(/evil|9999/);
    expect(JSON.parse((await as("api.example.com")).body)).toEqual({ self: "http://api.example.com/api/models/m" });
  });
});

describe("S02: passthrough.trustedProxies", () => {
  it("S02: a client's X-Forwarded-For and Forwarded chains are continued only from a trusted peer", async () => {
    const chain = { "X-Forwarded-For": "203.0.113.9", Forwarded: "for=203.0.113.9" };
    const untrusted = await setup({ passthrough: { trustedProxies: ["10.0.0.0/8", "::2"] } });
    await sendRaw(untrusted.server.port, rawRequest("GET /rest/api/models/m HTTP/1.1", chain));
    await untrusted.close();
    const trusted = await setup({ passthrough: { trustedProxies: ["127.0.0.0/8"] } });
    await trusted.trestle.cache.purge("api");
    await sendRaw(trusted.server.port, rawRequest("GET /rest/api/models/m HTTP/1.1", chain));
    await trusted.close();
    expect(upstream.requests.map((r) => [r.headers["x-forwarded-for"], r.headers["forwarded"]])).toEqual([
      ["127.0.0.1", "for=127.0.0.1"],
      ["203.0.113.9, 127.0.0.1", "for=203.0.113.9, for=127.0.0.1"],
    ]);
  });

  it('S02: through trestle.fetch (no peer known) a chain is passed on only with trustedProxies: ["*"]', async () => {
    const send = async (options: Partial<TrestleOptions>) => {
      const own = await setup(options);
      await own.trestle.fetch(
        new Request("http://trestle.test/rest/api/models/m", {
          headers: { "x-forwarded-for": "203.0.113.9", forwarded: "for=203.0.113.9" },
        }),
      );
      await own.close();
    };
    await send({});
    await send({ passthrough: { trustedProxies: ["*"] } });
    expect(upstream.requests.map((r) => [r.headers["x-forwarded-for"], r.headers["forwarded"]])).toEqual([
      [undefined, undefined],
      ["203.0.113.9", "for=203.0.113.9"],
    ]);
  });

  it.each([
    [
      { forwardedHosts: ["http://api.example.com"] },
      'passthrough.forwardedHosts entries must be host names with an optional port ("api.example.com:8443"), received "http://api.example.com"',
    ],
    [
      { forwardedHosts: ["api.example.com/x"] },
      'passthrough.forwardedHosts entries must be host names with an optional port ("api.example.com:8443"), received "api.example.com/x"',
    ],
    [
      { trustedProxies: ["10.0.0.0/33"] },
      'passthrough.trustedProxies entries must be IP addresses, CIDR ranges ("10.0.0.0/8") or "*", received "10.0.0.0/33"',
    ],
    [
      { trustedProxies: ["proxy.internal"] },
      'passthrough.trustedProxies entries must be IP addresses, CIDR ranges ("10.0.0.0/8") or "*", received "proxy.internal"',
    ],
  ])("S02: refuses the misconfiguration %j", async (passthrough, message) => {
    await expect(setup({ passthrough })).rejects.toMatchObject({ code: "CONFIG_INVALID", message });
  });
});
