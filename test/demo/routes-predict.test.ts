import { describe, expect, it } from "vitest";
import { issueLocations, list, record, useDemoUpstream } from "./demo-client.js";

const demo = useDemoUpstream();

describe("POST /models/{name}/predict", () => {
  it("scores rows of numbers with the latest version", async () => {
    const answer = await demo.send("/models/fraud-xgb/predict", {
      inputs: [
        [120.5, 3, 0],
        [9.99, 1, 1],
      ],
    });
    expect(answer.status).toBe(200);
    const prediction = record(answer.body);
    expect(prediction).toMatchObject({ model: "fraud-xgb", model_version: 5, latency_ms: expect.any(Number) });
    const outputs = list(prediction["outputs"]);
    expect(outputs).toHaveLength(2);
    for (const output of outputs) {
      expect(["legit", "fraud"]).toContain(output["label"]);
      expect(output["score"]).toBeGreaterThan(0.5);
      expect(output["candidates"]).toEqual([{ label: output["label"], score: output["score"] }]);
    }
  });

  it("scores texts, listing top_k candidates best first", async () => {
    const answer = await demo.send("/models/sentiment-bert/predict", {
      inputs: ["great product", "broke after a week"],
      parameters: { top_k: 3 },
    });
    for (const output of list(record(answer.body)["outputs"])) {
      const candidates = list(output["candidates"]);
      expect(candidates.map((candidate) => candidate["label"]).sort()).toEqual(["negative", "neutral", "positive"]);
      const scores = candidates.map((candidate) => Number(candidate["score"]));
      expect(scores).toEqual([...scores].sort((a, b) => b - a));
      expect(scores.reduce((sum, score) => sum + score, 0)).toBeCloseTo(1, 3);
      expect(candidates[0]).toEqual({ label: output["label"], score: output["score"] });
    }
  });

  it("caps top_k at the model's label count", async () => {
    const answer = await demo.send("/models/toxicity-roberta/predict", { inputs: ["hello"], parameters: { top_k: 5 } });
    expect(list(list(record(answer.body)["outputs"])[0]?.["candidates"])).toHaveLength(2);
  });

  it("is deterministic", async () => {
    const body = { inputs: ["same text"], parameters: { top_k: 2 } };
    const first = await demo.send("/models/intent-distilbert/predict", body);
    const second = await demo.send("/models/intent-distilbert/predict", body);
    expect(second.body).toEqual(first.body);
  });

  it("answers 404 for an unknown model", async () => {
    expect(await demo.send("/models/nope/predict", { inputs: ["x"] })).toMatchObject({
      status: 404,
      body: { detail: "Model 'nope' not found" },
    });
  });

  it.each([
    ["no inputs", { parameters: {} }, [["body", "inputs"]]],
    ["inputs not a list", { inputs: "text" }, [["body", "inputs"]]],
    ["no input at all", { inputs: [] }, [["body", "inputs"]]],
    ["over 64 inputs", { inputs: Array.from({ length: 65 }, () => "x") }, [["body", "inputs"]]],
    ["texts mixed with numbers", { inputs: ["a", 1] }, [["body", "inputs", 1]]],
    ["a row holding a string", { inputs: [[1, "2"]] }, [["body", "inputs", 0, 1]]],
    ["an empty row", { inputs: [[1], []] }, [["body", "inputs", 1]]],
    ["parameters not an object", { inputs: ["a"], parameters: [5] }, [["body", "parameters"]]],
    ["top_k below 1", { inputs: ["a"], parameters: { top_k: 0 } }, [["body", "parameters", "top_k"]]],
    ["a body not an object", [1, 2], [["body"]]],
  ])("refuses %s with 422", async (_case, body, locations) => {
    const answer = await demo.send("/models/fraud-xgb/predict", body);
    expect(issueLocations(answer)).toEqual(locations);
    for (const issue of list(record(answer.body)["detail"])) {
      expect(issue).toMatchObject({ msg: expect.any(String), type: expect.any(String) });
    }
  });

  it("refuses an empty body with 422", async () => {
    expect(issueLocations(await demo.call("/models/fraud-xgb/predict", { method: "POST" }))).toEqual([["body"]]);
  });
});
