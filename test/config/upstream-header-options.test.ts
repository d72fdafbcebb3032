import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { HeaderRuleOptions, Trestle, TrestleOptions } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { query } from "../helpers/graphql.js";
import { sendJson, startTestUpstream, type TestUpstream } from "../helpers/test-upstream.js";

let upstream: TestUpstream;
const opened: Trestle[] = [];
beforeAll(async () => {
  upstream = await startTestUpstream((req, res) => sendJson(res, 200, { id: req.url }));
});
beforeEach(() => void upstream.requests.splice(0));
afterAll(async () => {
  await Promise.all(opened.map((t) => t.close()));
  await upstream.close();
});

const schema = (baseUrl: string) => `
  extend schema @upstream(name: "api", baseUrl: "${baseUrl}", headers: [{ name: "x-api-key", value: "from-sdl" }, { name: "x-kept", value: "kept" }])
  type Query { item: Item @rest(path: "/item") }
  type Item { id: String }`;

async function build(headers: readonly HeaderRuleOptions[], extra: Partial<TrestleOptions> = {}): Promise<Trestle> {
  const trestle = await createTestTrestle(schema(upstream.url), { upstreams: { api: { headers } }, cache: { enabled: false }, ...extra });
  opened.push(trestle);
  return trestle;
}

describe("options.upstreams.<name>.headers", () => {
  it("adds rules in code: {context.X} and {env.X} templates, client headers by `from`; a rule replaces the SDL's of its name", async () => {
    const trestle = await build(
      [
        { name: "X-User-Id", value: "{context.user.id}" },
        { name: "x-api-key", value: "{env.API_KEY}" },
        { name: "x-tenant", from: "x-tenant" },
      ],
      {
        env: { API_KEY: "from-env" },
        context: (request) => ({ user: { id: request.headers.get("x-session") === "s1" ? "u-7" : undefined } }),
      },
    );
    await query(trestle, `{ item { id } }`, {}, { "x-session": "s1", "x-tenant": "acme" });
    expect(upstream.requests[0]?.headers).toMatchObject({
      "x-user-id": "u-7",
      "x-api-key": "from-env",
      "x-kept": "kept",
      "x-tenant": "acme",
    });
    await query(trestle, `{ item { id } }`);
    expect(upstream.requests[1]?.headers).not.toHaveProperty("x-user-id"); // no user: the header is left out
    expect(upstream.requests[1]?.headers).not.toHaveProperty("x-tenant");
  });

  it("refuses a context value with CR or LF before sending anything", async () => {
    const trestle = await build([{ name: "x-user-id", value: "{context.id}" }], { context: () => ({ id: "1\r\nx-admin: true" }) });
    const result = await query(trestle, `{ item { id } }`);
    expect(result.errors?.[0]).toMatchObject({
      message:
        'Header "x-user-id" for Query.item would contain U+000D at character 2: control characters and characters above U+00FF cannot be sent in an HTTP header; nothing was sent.',
      extensions: { code: "BAD_USER_INPUT" },
    });
    expect(upstream.requests).toEqual([]);
  });

  it("checks rules as the SDL's are checked, and reports every problem at once", async () => {
    const rules = [
      { name: "host", value: "evil" },
      { name: "x-both", value: "a", from: "b" },
      { name: "bad name", value: "a" },
      { name: "x-arg", value: "{args.id}" },
      { name: "x-ctx", value: "{context.user}" },
      { name: "x-env", value: "{env.MISSING}" },
      { name: "x-typo", value: "{arg.id}" },
    ] as unknown as HeaderRuleOptions[];
    const error = await createTestTrestle(schema(upstream.url), { upstreams: { api: { headers: rules } } }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message.split("\n").slice(1)).toEqual([
      '<sdl>: options.upstreams.api.headers header "host" is set by the HTTP layer and cannot be configured',
      '<sdl>: options.upstreams.api.headers header "x-both" needs exactly one of value or from',
      '<sdl>: options.upstreams.api.headers header name "bad name" is not a valid HTTP header name',
      expect.stringMatching(/^<sdl>: options\.upstreams\.api\.headers header "x-typo": /),
      '<sdl>: options.upstreams.api.headers header "x-arg" uses {args.id}, but upstream-wide header rules can read {env.X}, {header.X} and {context.X} only',
      '<sdl>: options.upstreams.api.headers header "x-ctx" uses {context.user}, which needs a context function: createTrestle({ context: (request) => ({ … }) })',
      '<sdl>: options.upstreams.api.headers header "x-env" uses {env.MISSING}, but environment variable MISSING is not set and has no default (write {env.MISSING:-value})',
    ]);
  });

  it("refuses headers that are not a list of rules", async () => {
    const headers = { name: "x" } as unknown as HeaderRuleOptions[];
    await expect(createTestTrestle(schema(upstream.url), { upstreams: { api: { headers } } })).rejects.toThrow(
      '<sdl>: options.upstreams.api.headers must be a list of { name, value } or { name, from }, received {"name":"x"}',
    );
  });
});
