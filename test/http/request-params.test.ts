import { afterAll, afterEach, beforeAll, describe, expect, it, vi, type MockInstance } from "vitest";
import type { Trestle } from "../../src/index.js";
import { serveTrestle, type TrestleServer } from "../passthrough/raw-http.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { sendJson, startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";

// Malformed GraphQL-over-HTTP parameters, sent as an attacker would, over every route a
// request can take: GET and form POSTs (yoga's lane), JSON POSTs (the fast lane, which hands
// malformed ones to yoga, and yoga's lane directly), through trestle.fetch and trestle.handle.
// Each is a 400 BAD_REQUEST that names the parameter, logs nothing, and the next user is served.
let upstream: TestUpstream;
let trestle: Trestle;
let server: TrestleServer;
let logged: MockInstance[];

beforeAll(async () => {
  upstream = await startTestUpstream((_req, res) => sendJson(res, 200, { id: "1" }));
  // Yoga's own logger (logging on, as by default), which writes to the console.
  trestle = await createTestTrestle(
    /* GraphQL */ `
      extend schema @upstream(name: "api", baseUrl: "${upstream.url}")
      type Query { item(id: ID): Item @rest(path: "/items/{args.id}") }
      type Item { id: ID }
    `,
    { logging: true },
  );
  server = await serveTrestle(trestle);
});
afterAll(async () => {
  vi.restoreAllMocks();
  await server.close();
  await trestle.close();
  await upstream.close();
});
beforeAll(() => {
  logged = (["error", "warn", "info", "log", "debug"] as const).map((level) => vi.spyOn(console, level));
});
afterEach(() => {
  for (const spy of logged) spy.mockClear();
});

type Entry = "fetch" | "handle";
type Route = "GET" | "POST JSON (fast lane)" | "POST JSON (yoga's lane)" | "POST form";
const entries: Entry[] = ["fetch", "handle"];
const routes: Route[] = ["GET", "POST JSON (fast lane)", "POST JSON (yoga's lane)", "POST form"];
const query = '{ item(id: "1") { id } }';

/** Sends `params` as given: raw JSON text in a URL or a form, a JSON value in a JSON body. */
async function send(
  entry: Entry,
  route: Route,
  params: Record<string, string>,
  json?: string,
  accept?: string,
): Promise<{ status: number; body: { errors?: Array<{ message: string; extensions?: Record<string, unknown> }>; data?: unknown } }> {
  const base = entry === "fetch" ? "http://trestle.test" : server.url;
  const search = new URLSearchParams(params).toString();
  let init: RequestInit = {};
  let url = `${base}/graphql`;
  if (route === "GET") url += `?${search}`;
  else if (route === "POST form")
    init = { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", "x-trestle-csrf": "1" }, body: search };
  else {
    const type = route === "POST JSON (fast lane)" ? "application/json" : "application/json; profile=x";
    init = {
      method: "POST",
      headers: { "content-type": type },
      body:
        json ??
        `{${Object.entries(params)
          .map(([k, v]) => `${JSON.stringify(k)}:${k === "query" ? JSON.stringify(v) : v}`)
          .join(",")}}`,
    };
  }
  if (accept !== undefined) init.headers = { ...(init.headers as Record<string, string> | undefined), accept };
  const response = entry === "fetch" ? await trestle.fetch(new Request(url, init)) : await fetch(url, init);
  return { status: response.status, body: (await response.json()) as never };
}

const expectNothingLogged = () => {
  for (const spy of logged) expect(spy).not.toHaveBeenCalled();
};

describe("S08: malformed variables and extensions are 400s, not internal errors", () => {
  const cases: Array<[string, string, string]> = [
    ["variables", "{", 'The "variables" parameter must be a JSON object; received "{", which is not JSON.'],
    ["variables", "[1]", 'The "variables" parameter must be a JSON object or null; received an array.'],
    ["variables", '"x"', 'The "variables" parameter must be a JSON object or null; received the string "x".'],
    ["variables", "7", 'The "variables" parameter must be a JSON object or null; received the number 7.'],
    ["variables", '{"a":', 'The "variables" parameter must be a JSON object; received "{\\"a\\":", which is not JSON.'],
    ["extensions", "{", 'The "extensions" parameter must be a JSON object; received "{", which is not JSON.'],
    ["extensions", "[1]", 'The "extensions" parameter must be a JSON object or null; received an array.'],
    ["extensions", "true", 'The "extensions" parameter must be a JSON object or null; received the boolean true.'],
  ];
  for (const entry of entries) {
    for (const route of routes) {
      it.each(cases)(`S08: ${entry}, ${route}: %s=%s`, async (name, raw, message) => {
        // In a JSON body, text that is not JSON arrives as a string (the only way to send it).
        const inBody = route.startsWith("POST JSON") && (raw === "{" || raw === '{"a":') ? JSON.stringify(raw) : raw;
        const answer = await send(entry, route, { query, [name]: inBody });
        const expected =
          inBody === raw ? message : `The "${name}" parameter must be a JSON object or null; received the string ${JSON.stringify(raw)}.`;
        expect(answer).toEqual({ status: 400, body: { errors: [{ message: expected, extensions: { code: "BAD_REQUEST" } }] } });
        expectNothingLogged();
        expect(await send(entry, route, { query })).toEqual({ status: 200, body: { data: { item: { id: "1" } } } });
      });
    }
  }

  it.each(entries)("S08: null variables and extensions are allowed (%s, every route)", async (entry) => {
    for (const route of routes) {
      expect(await send(entry, route, { query, variables: "null", extensions: "null" })).toEqual({
        status: 200,
        body: { data: { item: { id: "1" } } },
      });
    }
    expectNothingLogged();
  });

  it.each(entries)("S08: a long malformed parameter is echoed only in part (%s)", async (entry) => {
    const answer = await send(entry, "GET", { query, variables: `{${"x".repeat(10_000)}` });
    expect(answer.status).toBe(400);
    expect(answer.body.errors?.[0]?.message).toBe(
      `The "variables" parameter must be a JSON object; received "{${"x".repeat(39)}…", which is not JSON.`,
    );
    expectNothingLogged();
  });
});

describe("S08: malformed JSON bodies", () => {
  const bodies: Array<[string, string, string]> = [
    ["invalid JSON", "{nope", "POST body sent invalid JSON."],
    ["truncated JSON", `{"query": "{ item { id } }"`, "POST body sent invalid JSON."],
    ["null", "null", "POST body is expected to be object but received null"],
    ["a string", '"{ item { id } }"', "POST body is expected to be object but received string"],
    ["a number", "1", "POST body is expected to be object but received number"],
  ];
  for (const entry of entries) {
    for (const route of ["POST JSON (fast lane)", "POST JSON (yoga's lane)"] as const) {
      it.each(bodies)(`S08: ${entry}, ${route}: %s → 400 without the parser's error`, async (_name, json, message) => {
        for (const accept of [undefined, "application/json", "application/graphql-response+json"]) {
          const answer = await send(entry, route, {}, json, accept);
          expect([accept, answer]).toEqual([accept, { status: 400, body: { errors: [{ message, extensions: { code: "BAD_REQUEST" } }] } }]);
        }
        expectNothingLogged();
        expect(await send(entry, route, { query })).toEqual({ status: 200, body: { data: { item: { id: "1" } } } });
      });
    }
  }
});
