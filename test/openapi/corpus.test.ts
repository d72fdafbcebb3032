import { readdirSync, readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { importOpenApi } from "../../src/openapi/import-openapi.js";
import { loadOpenApiSource } from "../../src/openapi/load-document.js";
import { formatDiagnostic } from "../../src/errors.js";
import { checkSchemaSources } from "../../src/sdl/check-schema.js";
import { assertBuilds } from "./build-imported-schema.js";

/**
 * Every document of the real-world corpus (test/fixtures/specs, see its README for sources and
 * licences) imports, builds, passes `trestle check`, accounts for every operation as imported
 * or skipped, and imports at least as many operations as corpus-baseline.json records. When an
 * improvement imports more, raise the baseline in the same change.
 */

const specs = new URL("../fixtures/specs/", import.meta.url);
const files = readdirSync(specs)
  .filter((file) => /\.(ya?ml|json)$/.test(file))
  .sort();
const baseline = JSON.parse(readFileSync(new URL("./corpus-baseline.json", import.meta.url), "utf8")) as Record<
  string,
  { imported: number; skipped: number }
>;
const methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
// Each spec's load + import time is printed with the table below, never asserted: on a busy
// machine a time budget fails for reasons that are not the importer's (the benchmarks measure).

/** Each spec as loaded by its own test, for the one that imports them all into one schema. */
const loaded = new Map<string, unknown>();
const rows: Array<{ file: string; operations: number; imported: number; skipped: number; baseline: number; ms: number }> = [];

afterAll(() => {
  const lines = rows
    .sort((a, b) => (a.file < b.file ? -1 : 1))
    .map(
      (r) =>
        `${r.file.padEnd(42)} ${String(r.operations).padStart(4)} ${String(r.imported).padStart(8)} ${String(r.skipped).padStart(7)} ${String(r.baseline).padStart(8)} ${String(r.ms).padStart(7)}`,
    );
  console.log(["OpenAPI corpus: spec, operations, imported, skipped, baseline, ms (load + import)", ...lines].join("\n"));
});

describe("the OpenAPI corpus", () => {
  it("has a baseline entry for every spec and none for specs that are gone", () => {
    expect(Object.keys(baseline).sort()).toEqual(files);
  });

  it.each(files)("%s imports, builds, passes trestle check, and does not regress", async (file) => {
    const started = performance.now();
    const { document } = await loadOpenApiSource(new URL(file, specs).pathname);
    loaded.set(file, document);
    const upstream = file.replace(/\.(ya?ml|json)$/, "").replace(/[^A-Za-z0-9_-]/g, "_");
    const { sdl, summary } = importOpenApi(document, { upstream });
    const ms = Math.round(performance.now() - started);
    assertBuilds(sdl);
    const operations = countOperations(document);
    const expected = baseline[file] ?? { imported: 0, skipped: 0 };
    rows.push({ file, operations, imported: summary.imported, skipped: summary.skipped.length, baseline: expected.imported, ms });

    expect(summary.imported + summary.skipped.length, "every operation is imported or listed as skipped").toBe(operations);
    expect(summary.imported, `${file} imports fewer operations than corpus-baseline.json records`).toBeGreaterThanOrEqual(
      expected.imported,
    );
    for (const skipped of summary.skipped) expect(sdl).toContain(`# - ${skipped.method} ${skipped.path}`);
    expect(importOpenApi(structuredClone(document), { upstream }).sdl, "a second import gives the same text").toBe(sdl);
  });

  it("all of them, each imported with --prefix, make one schema that passes trestle check", () => {
    expect([...loaded.keys()].sort()).toEqual(files);
    const sources = files.map((file) => {
      const upstream = file.replace(/\.(ya?ml|json)$/, "").replace(/[^A-Za-z0-9_-]/g, "_");
      return {
        name: `${upstream}.graphql`,
        body: importOpenApi(loaded.get(file), { upstream, prefix: upstream.replace(/[^A-Za-z0-9]/g, "") }).sdl,
      };
    });
    expect(
      checkSchemaSources(sources, {})
        .filter((d) => d.severity === "error")
        .map(formatDiagnostic),
    ).toEqual([]);
  });
});

function countOperations(document: unknown): number {
  const paths = (document as { paths?: Record<string, Record<string, unknown>> }).paths ?? {};
  return Object.values(paths).reduce((sum, item) => sum + methods.filter((method) => item[method] !== undefined).length, 0);
}
