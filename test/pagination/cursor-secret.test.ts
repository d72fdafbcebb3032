import { afterEach, describe, expect, it, vi } from "vitest";
import { createTrestle } from "../../src/index.js";
import { createCursorKeys } from "../../src/connector/page-cursor.js";
import { pagingSchema } from "./paging-upstream.js";

afterEach(() => {
  vi.restoreAllMocks();
});

/** Every console line a fresh instance writes while it starts. */
async function startupLines(options: { cursorSecret?: string; env?: Record<string, string>; schema?: string }): Promise<string[]> {
  const lines: string[] = [];
  for (const method of ["warn", "log", "info", "error", "debug"] as const)
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(" ")));
  const trestle = await createTrestle({
    schema: options.schema ?? pagingSchema("http://127.0.0.1:9"),
    env: options.env ?? {},
    ...(options.cursorSecret && { cursorSecret: options.cursorSecret }),
  });
  await trestle.close();
  return lines;
}

describe("cursor secret", () => {
  it("P16: without cursorSecret or TRESTLE_CURSOR_SECRET a schema with paginate fields warns once at startup", async () => {
    const lines = await startupLines({});
    expect(lines.filter((line) => line.includes("TRESTLE_CURSOR_SECRET"))).toHaveLength(1);
    expect(lines.join("\n")).toMatch(/page cursors are sealed with a per-process key/);
  });

  it("P16: with the option, the environment variable, or no paginate field, there is no warning", async () => {
    expect(await startupLines({ cursorSecret: "x" })).toEqual([]);
    expect(await startupLines({ env: { TRESTLE_CURSOR_SECRET: "x" } })).toEqual([]);
    const plain = `extend schema @upstream(name: "api", baseUrl: "http://127.0.0.1:9")\ntype Query { a: Int @rest(path: "/a") }`;
    expect(await startupLines({ schema: plain })).toEqual([]);
  });

  it("P16: keys from the same secret read each other's cursors; a per-process key is drawn at random", () => {
    const position = { kind: "index", index: 7 } as const;
    const sealed = createCursorKeys("secret").seal("Query.runs", position);
    expect(createCursorKeys("secret").open("Query.runs", sealed)).toEqual(position);
    expect(() => createCursorKeys("secret").open("Query.jobs", sealed)).toThrow(/not issued by this server for this field/);
    expect(() => createCursorKeys(undefined).open("Query.runs", sealed)).toThrow(/not issued/);
    expect(createCursorKeys(undefined).generated).toBe(true);
    expect(createCursorKeys("").generated).toBe(true);
    // Two cursors for the same position differ (random IV), so a client cannot compare positions.
    expect(createCursorKeys("secret").seal("Query.runs", position)).not.toBe(sealed);
  });
});
