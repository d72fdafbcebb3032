import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Trestle } from "../../src/index.js";
import { importOpenApi } from "../../src/openapi/import-openapi.js";
import { loadOpenApiSource } from "../../src/openapi/load-document.js";
import { checkSchemaSources } from "../../src/sdl/check-schema.js";
import { createTestTrestle } from "../helpers/create-test-trestle.js";
import { query } from "../helpers/graphql.js";
import type { TestUpstream } from "../helpers/test-upstream.js";
import { collection, startPagingUpstream } from "./paging-upstream.js";

const specs = new URL("../fixtures/specs/", import.meta.url);

const imported = new Map<string, Promise<string>>();

/** Each spec imported once for the whole file (the largest takes seconds). */
function importSpec(file: string): Promise<string> {
  let sdl = imported.get(file);
  if (sdl === undefined) {
    sdl = loadOpenApiSource(new URL(file, specs).pathname).then(({ document }) => importOpenApi(document, { upstream: "api" }).sdl);
    imported.set(file, sdl);
  }
  return sdl;
}

/** The field definition (comments, description, arguments, directives) whose @rest has this paginate. */
function fieldWith(sdl: string, paginate: string): string {
  const at = sdl.indexOf(paginate);
  expect(at, `no ${paginate}`).toBeGreaterThan(0);
  const start = sdl.lastIndexOf("# paging guessed", at);
  return sdl.slice(start, at + paginate.length);
}

describe("importer: paging recognised on the corpus", () => {
  it("P17: Airflow 2 (limit/offset, total_entries) becomes OFFSET connections with first/after/last/before", async () => {
    const sdl = await importSpec("airflow-v1.yaml");
    const field = fieldWith(sdl, `paginate: { style: OFFSET, items: "dags", total: "total_entries", limit: "limit", offset: "offset" }`);
    expect(field).toContain(
      "# paging guessed: OFFSET from the query parameters limit (limit), offset (offset) and the answer's dags (items), total_entries (total)",
    );
    expect(field).toMatch(
      /getDags\(\s+"""Items per page, 1 to 100\."""\s+first: Int = 100\s+"""[^"]+"""\s+after: String\s+"""[^"]+"""\s+last: Int/,
    );
    expect(field).toContain("): DAGConnection");
    expect(field).not.toMatch(/limit=\{args|offset=\{args|\blimit: Int|\boffset: Int/);
    expect(sdl).toMatch(/type DAGConnection \{\s+edges: \[DAGEdge!\]!\s+nodes: \[DAG\]!\s+pageInfo: PageInfo!\s+totalCount: Int\s+\}/);
    expect(sdl).toMatch(
      /type PageInfo \{\s+hasNextPage: Boolean!\s+hasPreviousPage: Boolean!\s+startCursor: String\s+endCursor: String\s+\}/,
    );
    expect(sdl.match(/^type PageInfo /gm)).toHaveLength(1);
  });

  it("P17: Airflow 3 (FastAPI, limit/offset, total_entries) becomes OFFSET connections", async () => {
    const sdl = await importSpec("airflow3-v2-fastapi.yaml");
    fieldWith(sdl, `paginate: { style: OFFSET, items: "dags", total: "total_entries", limit: "limit", offset: "offset" }`);
    fieldWith(sdl, `paginate: { style: OFFSET, items: "dag_runs", total: "total_entries", limit: "limit", offset: "offset" }`);
  });

  it("P17: Kubeflow (page_token/page_size, next_page_token, total_size) becomes CURSOR connections", async () => {
    const sdl = await importSpec("kfp-v2beta1-api.swagger.json");
    const field = fieldWith(
      sdl,
      `paginate: { style: CURSOR, items: "pipelines", total: "total_size", limit: "page_size", cursor: "page_token", next: "next_page_token" }`,
    );
    expect(field).toContain("first: Int = 20");
    expect(field).not.toMatch(/\blast: Int|\bbefore: String|pageToken|pageSize/);
    fieldWith(
      sdl,
      `paginate: { style: CURSOR, items: "runs", total: "total_size", limit: "page_size", cursor: "page_token", next: "next_page_token" }`,
    );
  });

  it("P17: OpenAI (after/limit, last_id + has_more) becomes CURSOR connections; its before is left out (forward only)", async () => {
    const sdl = await importSpec("openai-openapi.yaml");
    const field = fieldWith(
      sdl,
      `paginate: { style: CURSOR, items: "data", limit: "limit", cursor: "after", next: "last_id", hasMore: "has_more" }`,
    );
    expect(field).toContain("left out before (CURSOR pages forward only)");
    const listAssistants = sdl.slice(sdl.indexOf("  listAssistants("), sdl.indexOf("paginate:", sdl.indexOf("  listAssistants(")));
    expect(listAssistants).toContain("first: Int = 20");
    expect(listAssistants).toContain("): AssistantObjectPageConnection");
    expect(listAssistants).not.toMatch(/\bbefore: String|\blimit: Int/);
    // OpenAI's usage listings take a string `page` token and answer `next_page`: CURSOR, not PAGE.
    expect(sdl).toContain(
      `paginate: { style: CURSOR, items: "data", limit: "limit", cursor: "page", next: "next_page", hasMore: "has_more" }`,
    );
    expect(sdl).not.toContain("style: PAGE");
  });

  it("P17: Prefect pages through the request body (POST /flows/filter): a plain list, and a comment says why", async () => {
    const sdl = await importSpec("prefect-rest-api.json");
    expect(sdl).not.toContain("paginate: {");
    expect(sdl).toMatch(
      /# pages with limit\/offset in the request body: paginate: sets query parameters, so this stays a plain list \(page with the input's limit and offset\)\n\s+"""Query for flows\."""\n\s+readFlows\([^)]*\): \[Flow!\]/,
    );
  });

  it("P17: a listing with only limit (the petstore's) stays a plain list", async () => {
    const sdl = await importSpec("petstore-oas30.yaml");
    expect(sdl).not.toContain("paginate:");
    expect(sdl).toContain(`): [Pet!] @rest(upstream: "api", path: "/pets?limit={args.limit}")`);
  });

  it.each(["airflow-v1.yaml", "airflow3-v2-fastapi.yaml", "kfp-v2beta1-api.swagger.json", "openai-openapi.yaml"])(
    "P17: %s with its connections passes trestle check",
    async (file) => {
      const sdl = await importSpec(file);
      expect(checkSchemaSources([{ name: file, body: sdl }], {}).filter((d) => d.severity === "error")).toEqual([]);
    },
  );
});

describe("importer: an imported listing pages against a real upstream", () => {
  let upstream: TestUpstream;
  let trestle: Trestle;
  const item = { type: "object", properties: { id: { type: "string" }, display_name: { type: "string" } }, required: ["id"] };
  const spec = {
    openapi: "3.0.3",
    info: { title: "items", version: "1" },
    servers: [{ url: "http://127.0.0.1:9" }],
    paths: {
      "/off": {
        get: {
          operationId: "listItems",
          parameters: [
            { name: "limit", in: "query", schema: { type: "integer", default: 10, maximum: 50 } },
            { name: "offset", in: "query", schema: { type: "integer", default: 0 } },
          ],
          responses: {
            "200": {
              description: "ok",
              content: {
                "application/json": {
                  schema: { type: "object", properties: { items: { type: "array", items: item }, total: { type: "integer" } } },
                },
              },
            },
          },
        },
      },
    },
  };

  beforeAll(async () => {
    upstream = await startPagingUpstream();
    const { sdl } = importOpenApi(spec, { upstream: "api", baseUrl: upstream.url });
    expect(sdl).toContain(`paginate: { style: OFFSET, items: "items", total: "total", limit: "limit", offset: "offset", maxFirst: 50 }`);
    trestle = await createTestTrestle(sdl, { cursorSecret: "import" });
  });
  afterAll(async () => {
    await trestle?.close();
    await upstream?.close();
  });

  it("P18: walking the imported connection with its default first yields every item once; first over the spec's maximum is refused", async () => {
    const ids: string[] = [];
    let after: string | null = null;
    for (let guard = 0; guard < 10; guard++) {
      const result = await query(
        trestle,
        `query($after: String) { listItems(after: $after) { edges { node { id displayName } } pageInfo { hasNextPage endCursor } totalCount } }`,
        { after },
      );
      const page = result.data!["listItems"] as {
        edges: Array<{ node: { id: string } }>;
        pageInfo: { hasNextPage: boolean; endCursor: string };
        totalCount: number;
      };
      expect(page.totalCount).toBe(23);
      ids.push(...page.edges.map((e) => e.node.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(ids).toEqual(collection.map((i) => i.id));
    expect(upstream.requests.map((r) => r.url)).toEqual(["/off?limit=10&offset=0", "/off?limit=10&offset=10", "/off?limit=10&offset=20"]);
    const over = await query(trestle, `{ listItems(first: 51) { edges { cursor } } }`);
    expect(over.errors?.[0]?.message).toMatch(/first must be from 1 to 50, received 51/);
  });
});
