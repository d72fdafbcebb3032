import { assertNoIssues, type ValidationIssue } from "./http-error.js";
import { isJsonObject, requireObjectBody, type JsonObject } from "./json-body.js";
import { scoreInput } from "./predict-scores.js";
import type { DemoRoute } from "./router.js";
import { getModel } from "./routes-models.js";

const MAX_INPUTS = 64;

/** Inference, FastAPI model-serving style: `{"inputs": [...], "parameters": {...}}`. */
export const predictRoutes: DemoRoute[] = [
  {
    method: "POST",
    path: "/models/{name}/predict",
    handle(context) {
      const model = getModel(context);
      const body = requireObjectBody(context.readJson());
      const issues: ValidationIssue[] = [];
      const inputs = checkInputs(body, issues);
      const topK = checkTopK(body["parameters"], issues);
      assertNoIssues(issues);
      const labels = context.data.modelLabels.get(model.name) ?? ["negative", "positive"];
      return {
        body: {
          model: model.name,
          model_version: model.latest_version,
          outputs: inputs.map((input) => scoreInput(model.name, labels, input, Math.min(topK, labels.length))),
          latency_ms: 4 + 2 * inputs.length,
        },
      };
    },
  },
];

/** `inputs` is a list of strings (text models) or a list of number rows (tabular, vision). */
function checkInputs(body: JsonObject, issues: ValidationIssue[]): (string | number[])[] {
  const inputs = body["inputs"];
  const loc = ["body", "inputs"];
  if (inputs === undefined) {
    issues.push({ type: "missing", loc, msg: "Field required", input: body });
    return [];
  }
  if (!Array.isArray(inputs)) {
    issues.push({ type: "list_type", loc, msg: "Input should be a valid list", input: inputs });
    return [];
  }
  if (inputs.length === 0 || inputs.length > MAX_INPUTS) {
    const [type, bound] = inputs.length === 0 ? ["too_short", "at least 1 item"] : ["too_long", `at most ${MAX_INPUTS} items`];
    issues.push({ type, loc, msg: `List should have ${bound} after validation, not ${inputs.length}`, input: inputs });
    return [];
  }
  const textMode = typeof inputs[0] === "string";
  inputs.forEach((item: unknown, index) => {
    if (textMode) {
      if (typeof item !== "string")
        issues.push({ type: "string_type", loc: [...loc, index], msg: "Input should be a valid string", input: item });
    } else if (!Array.isArray(item) || item.length === 0) {
      issues.push({
        type: "list_type",
        loc: [...loc, index],
        msg: "Input should be a list of strings or a non-empty list of number rows",
        input: item,
      });
    } else {
      item.forEach((value: unknown, column) => {
        if (typeof value !== "number" || !Number.isFinite(value)) {
          issues.push({ type: "float_type", loc: [...loc, index, column], msg: "Input should be a valid number", input: value });
        }
      });
    }
  });
  return inputs as (string | number[])[];
}

/** `parameters.top_k`: how many candidates each output lists; 1 by default. */
function checkTopK(parameters: unknown, issues: ValidationIssue[]): number {
  if (parameters === undefined || parameters === null) return 1;
  if (!isJsonObject(parameters)) {
    issues.push({ type: "dict_type", loc: ["body", "parameters"], msg: "Input should be a valid dictionary", input: parameters });
    return 1;
  }
  const topK = parameters["top_k"];
  if (topK === undefined || topK === null) return 1;
  if (typeof topK !== "number" || !Number.isInteger(topK) || topK < 1) {
    issues.push({
      type: "greater_than_equal",
      loc: ["body", "parameters", "top_k"],
      msg: "Input should be an integer greater than or equal to 1",
      input: topK,
    });
    return 1;
  }
  return topK;
}
