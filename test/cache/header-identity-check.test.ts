import { describe, expect, it } from "vitest";
import { formatDiagnostic, TrestleError } from "../../src/index.js";
import { checkSchemaSources } from "../../src/sdl/check-schema.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";

function check(sdl: string): string[] {
  return checkSchemaSources([{ name: "s.graphql", body: sdl }], { TOKEN: "t" }).map(formatDiagnostic);
}
const withRules = (rules: string, fieldRules = "") =>
  `extend schema @upstream(name: "ml", baseUrl: "http://127.0.0.1:4010",\n  headers: [${rules}])\ntype Query { a: Int @rest(path: "/a"${fieldRules === "" ? "" : `, headers: [${fieldRules}]`}) }`;

describe("C21: trestle check and identity: on header rules", () => {
  const refused: Array<[string, string, string]> = [
    [
      "identity: false on authorization",
      withRules(`{ name: "authorization", from: "authorization", identity: false }`),
      's.graphql:2:61: @upstream "ml" header "authorization" says identity: false, but authorization always identifies the caller (its answers are never shared between callers); remove identity: false',
    ],
    [
      "identity: false on cookie (field rule)",
      withRules("", `{ name: "Cookie", value: "{header.cookie}", identity: false }`),
      's.graphql:3:93: @rest on Query.a header "cookie" says identity: false, but cookie always identifies the caller (its answers are never shared between callers); remove identity: false',
    ],
    [
      "identity: true on a literal value",
      withRules(`{ name: "x-client", value: "trestle", identity: true }`),
      's.graphql:2:51: @upstream "ml" header "x-client" says identity: true, but its value "trestle" is the same for every caller, so it can never identify anyone or vary the cache key; remove identity:',
    ],
    [
      "identity: true on an {env.X} value",
      withRules(`{ name: "x-api-key", value: "{env.TOKEN}", identity: true }`),
      's.graphql:2:56: @upstream "ml" header "x-api-key" says identity: true, but its value "{env.TOKEN}" is the same for every caller, so it can never identify anyone or vary the cache key; remove identity:',
    ],
    [
      "identity on a trace header",
      withRules(`{ name: "authorization", from: "authorization" }, { name: "traceparent", from: "traceparent", identity: true }`),
      's.graphql:2:107: @upstream "ml" header "traceparent" says identity: true, but trace headers (traceparent, tracestate, baggage, x-request-id) are sent as declared and never enter a cache key; remove identity:',
    ],
  ];
  it.each(refused)("C21: refuses %s with file:line:col", (_name, sdl, message) => {
    expect(check(sdl)).toEqual([message]);
  });

  it("C21: accepts identity: on forwarded, {args.X} and {context.X}-free client values", () => {
    expect(
      check(
        withRules(
          `{ name: "x-api-key", from: "x-api-key", identity: true }, { name: "accept-language", from: "accept-language", identity: false }, { name: "x-t", value: "t-{header.x-t}", identity: false }`,
          `{ name: "x-v", value: "{args.v}", identity: true }`,
        ).replace("a: Int", "a(v: String): Int"),
      ),
    ).toEqual([]);
  });

  it("C21: createTrestle refuses the same schema with SCHEMA_INVALID; a fixed schema still serves", async () => {
    const error = await createTestTrestle(withRules(`{ name: "authorization", from: "authorization", identity: false }`)).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TrestleError);
    expect((error as TrestleError).code).toBe("SCHEMA_INVALID");
    expect(String((error as Error).message)).toContain(':2:61: @upstream "ml" header "authorization" says identity: false');
    const trestle = await createTestTrestle(withRules(`{ name: "authorization", from: "authorization" }`));
    await trestle.close();
  });

  it("C21: header rules in code (options.upstreams.<name>.headers) take identity: and are checked the same way", async () => {
    const sdl = withRules(`{ name: "x-client", value: "trestle" }`);
    const error = await createTestTrestle(sdl, {
      upstreams: { ml: { headers: [{ name: "cookie", from: "cookie", identity: false }] } },
    }).catch((e: unknown) => e);
    expect((error as TrestleError).code).toBe("SCHEMA_INVALID");
    expect(String((error as Error).message)).toContain(
      'options.upstreams.ml.headers header "cookie" says identity: false, but cookie always identifies the caller',
    );
    const trestle = await createTestTrestle(sdl, {
      upstreams: { ml: { headers: [{ name: "x-tenant", from: "x-tenant", identity: false }] } },
    });
    await trestle.close();
  });
});
