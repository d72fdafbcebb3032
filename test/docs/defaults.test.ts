import { readFileSync } from "node:fs";
import { Kind, parse, print } from "graphql";
import { describe, expect, it } from "vitest";
import { defaultLingerBounds } from "../../src/http/linger-close.js";
import { normalizeCacheOptions } from "../../src/cache/cache-options.js";
import { serveUsage } from "../../src/cli/serve-command.js";
import { defaultLimits } from "../../src/config/limits-options.js";
import { defaultServeTimeouts, serveDefaults } from "../../src/plan/serve-defaults.js";
import { defaultDocumentCacheBytes, defaultMaxCachedTextLength } from "../../src/execution/create-document-cache.js";
import { buildSchemaPlan } from "../../src/sdl/build-schema-plan.js";

// One source for every default: the code. directives.graphql (what editors and
// `trestle print-directives` show), the docs pages and the option types' @default comments
// quote the numbers the code uses; a default changed in one place and not the others fails here.

const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), "utf8");

/** The defaults as the code applies them: a schema that sets nothing, planned. */
function codeDefaults() {
  const sdl = `
    extend schema @upstream(name: "a", baseUrl: "http://127.0.0.1:1", passthrough: { paths: ["/**"] })
    type Query { item(id: ID!): Item @rest(path: "/items/{args.id}", batch: { path: "/items?ids={keys}", key: "id" }) }
    type Item { id: ID }`;
  const { plan, diagnostics } = buildSchemaPlan([{ name: "defaults.graphql", body: sdl }]);
  expect(diagnostics).toEqual([]);
  const upstream = plan?.upstreams.get("a");
  const batch = plan?.restFields[0]?.batch;
  if (upstream === undefined || upstream.passthrough === undefined || batch === undefined)
    throw new Error("the defaults schema did not plan");
  return { upstream, resilience: upstream.resilience, passthrough: upstream.passthrough, batch, cache: normalizeCacheOptions(undefined) };
}

const units: Record<string, number> = { KiB: 1024, MiB: 1024 * 1024, ms: 1, s: 1000 };

/** The first number of a markdown cell, in bytes or ms when it names a unit: "1 MiB", "10000 ms", "`128`". */
function numberIn(cell: string): number {
  const text = cell.replace(/\[([^\]]*)\]\([^)]*\)/g, "$1").replace(/`/g, "");
  const match = /(\d[\d,]*)\s*(KiB|MiB|ms|s)?\b/.exec(text);
  if (match === null) throw new Error(`no number in the cell "${cell}"`);
  return Number(match[1]!.replaceAll(",", "")) * units[match[2] ?? "ms"]!;
}

/** The cells of the markdown table row whose first cell starts with `key`. */
function row(markdown: string, page: string, key: string): string[] {
  const line = markdown.split("\n").find((l) => l.startsWith(`| ${key}`));
  if (line === undefined) throw new Error(`${page} has no table row starting with "${key}"`);
  return line
    .split("|")
    .slice(1, -1)
    .map((cell) => cell.trim());
}

/** The `(default N)` numbers of directives.graphql's descriptions, by "Type.field" or "@directive.argument". */
function sdlDescribedDefaults(): Map<string, string> {
  const found = new Map<string, string>();
  const note = (owner: string, node: { name: { value: string }; description?: { value: string } | undefined }) => {
    const text = node.description?.value ?? "";
    if (/\bdefault\b[^)]*\d/.test(text)) found.set(`${owner}.${node.name.value}`, text);
  };
  for (const definition of parse(read("directives.graphql")).definitions) {
    if (definition.kind === Kind.INPUT_OBJECT_TYPE_DEFINITION)
      for (const field of definition.fields ?? []) note(definition.name.value, field);
    if (definition.kind === Kind.DIRECTIVE_DEFINITION)
      for (const argument of definition.arguments ?? []) note(`@${definition.name.value}`, argument);
  }
  return found;
}

function sdlDefaultValue(type: string, field: string): string | undefined {
  for (const definition of parse(read("directives.graphql")).definitions) {
    if (definition.kind === Kind.INPUT_OBJECT_TYPE_DEFINITION && definition.name.value === type) {
      const value = definition.fields?.find((f) => f.name.value === field)?.defaultValue;
      return value === undefined ? undefined : print(value);
    }
  }
  return undefined;
}

describe("every default has one source: the code", () => {
  const code = codeDefaults();

  it("directives.graphql's descriptions quote the defaults the code applies, and every quoted default is checked here", () => {
    const expected: Record<string, number> = {
      "@upstream.timeoutMs": code.upstream.timeoutMs,
      "@upstream.connectTimeoutMs": code.upstream.connectTimeoutMs,
      "@upstream.maxResponseBytes": code.upstream.maxResponseBytes,
      "@upstream.maxConcurrency": code.resilience.maxConcurrency,
      "@upstream.maxStreams": code.resilience.maxStreams ?? Number.NaN,
      "TrestlePassthrough.maxRequestBytes": code.passthrough.maxRequestBytes,
      "TrestleRetry.attempts": code.resilience.retries,
      "TrestleRetry.backoffMs": code.resilience.backoffMs,
      "TrestleBreaker.failures": code.resilience.breakerFailures,
      "TrestleBreaker.resetMs": code.resilience.breakerResetMs,
      "TrestleBreaker.windowMs": code.resilience.breakerWindowMs ?? Number.NaN,
      "TrestleBreaker.minimumCalls": code.resilience.breakerMinimumCalls ?? Number.NaN,
    };
    const described = sdlDescribedDefaults();
    expect([...described.keys()].sort()).toEqual(Object.keys(expected).sort());
    for (const [key, value] of Object.entries(expected)) {
      const quoted = /\bdefault\b[^)\d]*(\d+)/.exec(described.get(key)!)?.[1];
      expect(Number(quoted), `directives.graphql, ${key}: "${described.get(key)}"`).toBe(value);
    }
    expect(described.get("@upstream.maxConcurrency")).toContain(`${code.resilience.maxQueue / code.resilience.maxConcurrency} ×`);
    expect(sdlDefaultValue("TrestleBatch", "maxSize")).toBe(String(code.batch.maxSize));
  });

  it("docs/security.md: the request limits table quotes defaultLimits", () => {
    const page = read("docs/security.md");
    for (const [name, value] of Object.entries(defaultLimits)) {
      expect(numberIn(row(page, "docs/security.md", `\`${name}\``)[1]!), `docs/security.md, limit ${name}`).toBe(value);
    }
  });

  it("docs/security.md: the one table of upstream defaults quotes what the code applies", () => {
    const page = read("docs/security.md");
    const cell = (key: string) => row(page, "docs/security.md", key)[1]!;
    const expected: Record<string, number> = {
      "`timeoutMs`": code.upstream.timeoutMs,
      "`maxResponseBytes`": code.upstream.maxResponseBytes,
      "`passthrough.maxRequestBytes`": code.passthrough.maxRequestBytes,
      "`retry.attempts`": code.resilience.retries,
      "`retry.backoffMs`": code.resilience.backoffMs,
      "`Retry-After` honoured up to": code.resilience.maxRetryAfterMs,
      "`breaker.failures`": code.resilience.breakerFailures,
      "`breaker.resetMs`": code.resilience.breakerResetMs,
      "`breaker.windowMs`": code.resilience.breakerWindowMs ?? Number.NaN,
      "`breaker.minimumCalls`": code.resilience.breakerMinimumCalls ?? Number.NaN,
      "`maxConcurrency`": code.resilience.maxConcurrency,
      "`maxStreams`": code.resilience.maxStreams ?? Number.NaN,
    };
    for (const [key, value] of Object.entries(expected)) expect(numberIn(cell(key)), `docs/security.md, ${key}`).toBe(value);
    expect(cell("`connectTimeoutMs`")).toContain(`the smaller of \`timeoutMs\` and ${code.upstream.connectTimeoutMs} ms`);
    expect(row(page, "docs/security.md", "`maxConcurrency`")[2]).toContain(
      `${code.resilience.maxQueue / code.resilience.maxConcurrency} × as many may wait`,
    );
  });

  it("docs/security.md: the server's timeouts, the lingering close and the document caches", () => {
    const page = read("docs/security.md").replace(/\s+/g, " ");
    const s = (ms: number) => ms / 1000;
    expect(page).toContain(
      `a client has ${s(defaultServeTimeouts.headersTimeoutMs)} s to send its headers and ${s(defaultServeTimeouts.requestTimeoutMs)} s for its whole request`,
    );
    expect(defaultServeTimeouts.checkIntervalMs).toBe(1000);
    expect(page).toContain("checked every second");
    expect(page).toContain(`at most ${defaultLingerBounds.maxBytes / 1024 / 1024} MiB more, for at most ${s(defaultLingerBounds.maxMs)} s`);
    expect(page).toContain(`within an estimated ${defaultDocumentCacheBytes / 1024 / 1024} MiB each`);
    expect(page).toContain(`text over ${defaultMaxCachedTextLength / 1024} KiB`);
  });

  it("docs/cli.md, docs/security.md and `trestle serve --help` quote serveDefaults", () => {
    const cli = read("docs/cli.md");
    const cell = (key: string) => row(cli, "docs/cli.md", key)[2]!;
    expect(numberIn(cell("`--drain-timeout MS`"))).toBe(serveDefaults.drainTimeoutMs);
    expect(numberIn(cell("`--port N`"))).toBe(serveDefaults.port);
    expect(cell("`--host HOST`")).toBe(`\`${serveDefaults.host}\``);
    expect(cell("`--schema DIR`")).toBe(`\`${serveDefaults.schema}\``);
    expect(cli).toContain(`[--port ${serveDefaults.port}] [--host ${serveDefaults.host}]`);
    expect(read("docs/security.md").replace(/\s+/g, " ")).toContain(`\`--drain-timeout\` ms (${serveDefaults.drainTimeoutMs})`);
    expect(serveUsage.replace(/\s+/g, " ")).toContain(
      `--drain-timeout MS on SIGTERM/SIGINT, wait this long for in-flight requests, then cut them (default: ${serveDefaults.drainTimeoutMs})`,
    );
  });

  it("docs/caching.md: the cache options table quotes normalizeCacheOptions", () => {
    const page = read("docs/caching.md");
    const cell = (key: string) => row(page, "docs/caching.md", key)[2]!;
    expect(numberIn(cell("`maxSize`"))).toBe(code.cache.maxSize);
    expect(cell("`maxEntrySize`")).toBe("`maxSize / 10`");
    expect(code.cache.maxEntrySize).toBe(Math.floor(code.cache.maxSize / 10));
    expect(numberIn(cell("`staleIfErrorSeconds`"))).toBe(code.cache.staleIfErrorSeconds);
    expect(cell("`enabled`")).toBe(`\`${code.cache.enabled}\``);
  });

  it("docs/directives.md and docs/passthrough.md quote the batch and passthrough defaults", () => {
    expect(numberIn(row(read("docs/directives.md"), "docs/directives.md", "`maxSize`")[2]!)).toBe(code.batch.maxSize);
    expect(numberIn(row(read("docs/passthrough.md"), "docs/passthrough.md", "`maxRequestBytes`")[2]!)).toBe(
      code.passthrough.maxRequestBytes,
    );
  });

  it("the option types' @default comments quote the same numbers", () => {
    const limits = read("src/config/limits-options.ts");
    for (const [name, value] of Object.entries(defaultLimits)) {
      const comment = new RegExp(`@default (\\d+)[^/]*\\*/\\s*${name}\\?:`).exec(limits)?.[1];
      expect(Number(comment), `src/config/limits-options.ts, ${name}`).toBe(value);
    }
    const options = read("src/config/trestle-options.ts");
    expect(options).toContain(`@default ${code.upstream.timeoutMs} */\n  timeoutMs?:`);
    expect(options).toContain(`@default ${code.upstream.maxResponseBytes} (10 MiB) */\n  maxResponseBytes?:`);
    expect(options).toContain(
      `@default { enabled: ${code.cache.enabled}, maxSize: ${code.cache.maxSize}, maxEntrySize: ${code.cache.maxEntrySize}, staleIfErrorSeconds: ${code.cache.staleIfErrorSeconds} }`,
    );
  });
});
