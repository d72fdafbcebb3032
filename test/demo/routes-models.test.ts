import { describe, expect, it } from "vitest";
import { issueLocations, list, record, useDemoUpstream } from "./demo-client.js";

const demo = useDemoUpstream();

describe("GET /models", () => {
  it("lists every model on one default page of 20", async () => {
    const answer = await demo.call("/models");
    expect(answer.status).toBe(200);
    const page = record(answer.body);
    const names = list(page["items"]).map((model) => model["name"]);
    expect(names.length).toBeGreaterThanOrEqual(8);
    expect(names).toEqual([...names].sort());
    expect(page["next_cursor"]).toBeNull();
  });

  it("pages with an opaque cursor", async () => {
    const all = list(record((await demo.call("/models")).body)["items"]).map((model) => model["name"]);
    const seen: unknown[] = [];
    let cursor: unknown = undefined;
    do {
      const query = typeof cursor === "string" ? `?limit=5&cursor=${encodeURIComponent(cursor)}` : "?limit=5";
      const page = record((await demo.call(`/models${query}`)).body);
      const items = list(page["items"]);
      expect(items.length).toBeLessThanOrEqual(5);
      seen.push(...items.map((model) => model["name"]));
      cursor = page["next_cursor"];
    } while (typeof cursor === "string");
    expect(cursor).toBeNull();
    expect(seen).toEqual(all);
  });

  it.each([["0"], ["101"], ["many"], ["2.5"]])("refuses limit=%s with 422", async (limit) => {
    expect(issueLocations(await demo.call(`/models?limit=${limit}`))).toEqual([["query", "limit"]]);
  });

  it("refuses a cursor it did not make", async () => {
    expect(issueLocations(await demo.call("/models?cursor=bm9wZQ"))).toEqual([["query", "cursor"]]);
  });
});

describe("GET /models/{name}", () => {
  it("answers the model in snake_case", async () => {
    const answer = await demo.call("/models/fraud-xgb");
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      name: "fraud-xgb",
      description: "Card-not-present fraud scoring",
      latest_version: 5,
      owner_id: 3,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      tags: ["tabular", "fraud", "realtime"],
      meta: { stage: "Production", framework: "xgboost" },
    });
  });

  it("answers 404 with FastAPI's detail", async () => {
    expect(await demo.call("/models/nope")).toEqual(expect.objectContaining({ status: 404, body: { detail: "Model 'nope' not found" } }));
  });

  it("decodes the name segment", async () => {
    expect(await demo.call("/models/..%2Fusers")).toMatchObject({ status: 404, body: { detail: "Model '../users' not found" } });
  });
});

describe("caching of model answers", () => {
  it.each(["/models", "/models/fraud-xgb", "/models/fraud-xgb/versions"])(
    "%s has Cache-Control and an ETag, and answers 304",
    async (path) => {
      const first = await demo.call(path);
      expect(first.headers.get("cache-control")).toBe("public, max-age=30");
      const etag = first.headers.get("etag") ?? "";
      expect(etag).toMatch(/^"[\w-]+"$/);
      for (const ifNoneMatch of [etag, `W/${etag}`, `"other", ${etag}`, "*"]) {
        const again = await demo.call(path, { headers: { "if-none-match": ifNoneMatch } });
        expect(again.status).toBe(304);
        expect(again.body).toBeUndefined();
        expect(again.headers.get("etag")).toBe(etag);
        expect(again.headers.get("cache-control")).toBe("public, max-age=30");
      }
      expect((await demo.call(path, { headers: { "if-none-match": '"other"' } })).status).toBe(200);
    },
  );
});

describe("GET /models/{name}/versions", () => {
  it("lists versions 1 to latest_version, each from a run that exists", async () => {
    const versions = list(record((await demo.call("/models/sentiment-bert/versions")).body)["items"]);
    expect(versions.map((version) => version["version"])).toEqual([1, 2, 3, 4]);
    for (const version of versions) {
      expect(version).toMatchObject({
        status: "READY",
        run_id: expect.any(String),
        metrics: { accuracy: expect.any(Number), f1: expect.any(Number) },
      });
      expect((await demo.call(`/runs/${String(version["run_id"])}`)).status).toBe(200);
    }
  });

  it("answers 404 for an unknown model", async () => {
    expect((await demo.call("/models/nope/versions")).status).toBe(404);
  });
});

describe("POST /models:batchGet", () => {
  it("answers the known models in request order, once each", async () => {
    const answer = await demo.send("/models:batchGet", { names: ["sentiment-bert", "nope", "churn-lgbm", "sentiment-bert"] });
    expect(answer.status).toBe(200);
    expect(list(record(answer.body)["models"]).map((model) => model["name"])).toEqual(["sentiment-bert", "churn-lgbm"]);
  });

  it.each([
    ["no names", {}, [["body", "names"]]],
    ["names not a list", { names: "fraud-xgb" }, [["body", "names"]]],
    ["a name not a string", { names: ["fraud-xgb", 7] }, [["body", "names", 1]]],
    ["a body not an object", ["fraud-xgb"], [["body"]]],
  ])("refuses %s with 422", async (_case, body, locations) => {
    expect(issueLocations(await demo.send("/models:batchGet", body))).toEqual(locations);
  });
});

describe("PATCH and DELETE /models/{name}", () => {
  const mutable = useDemoUpstream();

  it("updates description and tags, and the ETag changes", async () => {
    const before = await mutable.call("/models/churn-lgbm");
    const answer = await mutable.send("/models/churn-lgbm", { description: "Churn v2", tags: ["tabular"] }, "PATCH");
    expect(answer).toMatchObject({
      status: 200,
      body: { name: "churn-lgbm", description: "Churn v2", tags: ["tabular"], latest_version: 4 },
    });
    const after = await mutable.call("/models/churn-lgbm", { headers: { "if-none-match": before.headers.get("etag") ?? "" } });
    expect(after).toMatchObject({ status: 200, body: { description: "Churn v2" } });
  });

  it("leaves out fields that are not sent, and clears the description with null", async () => {
    await mutable.send("/models/reco-two-tower", { tags: ["recsys", "feed"] }, "PATCH");
    expect((await mutable.call("/models/reco-two-tower")).body).toMatchObject({
      description: "Candidate retrieval for the home feed",
      tags: ["recsys", "feed"],
    });
    await mutable.send("/models/reco-two-tower", { description: null }, "PATCH");
    expect((await mutable.call("/models/reco-two-tower")).body).toMatchObject({ description: null });
  });

  it("refuses invalid fields with 422 and changes nothing", async () => {
    const answer = await mutable.send("/models/fraud-xgb", { description: 5, tags: ["ok", 1] }, "PATCH");
    expect(issueLocations(answer)).toEqual([
      ["body", "description"],
      ["body", "tags", 1],
    ]);
    expect((await mutable.call("/models/fraud-xgb")).body).toMatchObject({ description: "Card-not-present fraud scoring" });
  });

  it("answers 404 to a PATCH of an unknown model", async () => {
    expect((await mutable.send("/models/nope", { tags: [] }, "PATCH")).status).toBe(404);
  });

  it("deletes a model and its versions with 204", async () => {
    const answer = await mutable.call("/models/spam-fasttext", { method: "DELETE" });
    expect(answer.status).toBe(204);
    expect(answer.body).toBeUndefined();
    expect((await mutable.call("/models/spam-fasttext")).status).toBe(404);
    expect((await mutable.call("/models/spam-fasttext/versions")).status).toBe(404);
    expect((await mutable.call("/models/spam-fasttext", { method: "DELETE" })).status).toBe(404);
    const names = list(record((await mutable.call("/models")).body)["items"]).map((model) => model["name"]);
    expect(names).not.toContain("spam-fasttext");
  });
});
