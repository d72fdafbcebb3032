import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDemoUpstream, type DemoUpstream } from "../../src/demo/demo-upstream.js";
import type { Trestle } from "../../src/index.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { query } from "../helpers/graphql.js";

// The demo schema's paged listings (schema/experiments.graphql) against the bundled demo upstream.
let demo: DemoUpstream;
let trestle: Trestle;

beforeAll(async () => {
  demo = await startDemoUpstream();
  trestle = await createTestTrestle("schema/", { env: { DEMO_API_URL: demo.url, TRESTLE_CURSOR_SECRET: "demo" }, debug: true });
});
afterAll(async () => {
  await trestle.close();
  await demo.close();
});

interface Page<T> {
  edges: Array<{ cursor: string; node: T }>;
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount?: number;
}

type Calls = Array<{ path: string }>;

describe("the demo's experiment and run listings page", () => {
  it("P19: experimentsPage walks the four experiments two at a time, one call per page (CURSOR)", async () => {
    const names: string[] = [];
    const paths: string[] = [];
    let after: string | null = null;
    for (let guard = 0; guard < 5; guard++) {
      const result = await query(
        trestle,
        `query($after: String) { experimentsPage(first: 2, after: $after) { edges { node { id name } } pageInfo { hasNextPage endCursor } } }`,
        { after },
      );
      expect(result.errors).toBeUndefined();
      const page = result.data!["experimentsPage"] as Page<{ id: string; name: string }>;
      names.push(...page.edges.map((e) => e.node.id));
      paths.push(...(result.extensions!["trestle"] as { upstreamCalls: Calls }).upstreamCalls.map((c) => c.path));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(names).toEqual(["1", "2", "3", "4"]);
    expect(paths).toHaveLength(2);
    expect(paths[0]).toBe("/experiments?limit=2");
    expect(paths[1]).toMatch(/^\/experiments\?limit=2&cursor=/);
  });

  it("P19: an experiment's runsPage walks its 50 runs forward and back (OFFSET, totalCount), runs' users batched per page", async () => {
    const document = `query($after: String, $before: String, $first: Int, $last: Int) {
      experiment(id: "1") { runsPage(first: $first, after: $after, last: $last, before: $before) {
        totalCount edges { node { id user { name } } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }`;
    const seen: string[] = [];
    let after: string | null = null;
    let last: Page<{ id: string }> | undefined;
    for (let guard = 0; guard < 10; guard++) {
      const result = await query(trestle, document, { first: 20, after });
      expect(result.errors).toBeUndefined();
      const page = (result.data!["experiment"] as { runsPage: Page<{ id: string; user: { name: string } }> }).runsPage;
      expect(page.totalCount).toBe(50);
      seen.push(...page.edges.map((e) => e.node.id));
      const calls = (result.extensions!["trestle"] as { upstreamCalls: Calls }).upstreamCalls.map((c) => c.path.split("?")[0]);
      // The experiment, its page of runs, one batch of users (the cache may serve the experiment on later pages).
      expect(calls.filter((path) => path === "/users")).toHaveLength(1);
      expect(calls.filter((path) => path === "/experiments/1/runs")).toHaveLength(1);
      last = page;
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(50);
    expect(new Set(seen).size).toBe(50);
    const back = await query(trestle, document, { last: 5, before: last!.pageInfo.startCursor });
    const backPage = (back.data!["experiment"] as { runsPage: Page<{ id: string }> }).runsPage;
    expect(backPage.edges.map((e) => e.node.id)).toEqual(seen.slice(35, 40));
  });

  it("P19: the existing list fields still answer as before", async () => {
    const result = await query(trestle, `{ experiments { id } experiment(id: "1") { runs { id } } }`);
    expect(result.errors).toBeUndefined();
    expect((result.data!["experiments"] as unknown[]).length).toBe(4);
    expect((result.data!["experiment"] as { runs: unknown[] }).runs).toHaveLength(50);
  });
});
