import { describe, expect, it } from "vitest";
import { nameOperations, shortenFastApiId, type OperationKey } from "../../src/openapi/name-operation.js";

function names(operations: OperationKey[]): string[] {
  const named = nameOperations(operations);
  return operations.map((op) => named.get(op) ?? "?");
}

describe("nameOperations", () => {
  it.each<[string, OperationKey, string]>([
    ["operationId in camelCase", { method: "get", path: "/pets", operationId: "listPets" }, "listPets"],
    ["operationId with spaces", { method: "get", path: "/pets/{id}", operationId: "find pet by id" }, "findPetById"],
    ["kebab-case operationId", { method: "get", path: "/assistants", operationId: "list-assistants" }, "listAssistants"],
    ["snake_case operationId", { method: "get", path: "/assets", operationId: "get_assets" }, "getAssets"],
    ["FastAPI's generated id", { method: "get", path: "/flow_runs/{id}", operationId: "read_flow_run_flow_runs__id__get" }, "readFlowRun"],
    ["FastAPI id with a trailing slash", { method: "post", path: "/flows/", operationId: "create_flow_flows__post" }, "createFlow"],
    [
      "KServe's $-templates",
      { method: "post", path: "/v2/models/${MODEL_NAME}/infer", operationId: "post-v2-models-$-MODEL_NAME-infer" },
      "postV2ModelsModelNameInfer",
    ],
    ["no operationId", { method: "get", path: "/pets/{petId}" }, "getPetsByPetId"],
    ["no operationId, custom method", { method: "post", path: "/runs/{run_id}:archive" }, "postRunsByRunIdArchive"],
    ["no operationId, root path", { method: "get", path: "/" }, "getRoot"],
  ])("%s", (_, op, expected) => expect(names([op])).toEqual([expected]));

  it("keeps the full ids where FastAPI short names collide", () => {
    expect(
      names([
        { method: "get", path: "/flows/{id}", operationId: "read_flow_flows__id__get" },
        { method: "get", path: "/v2/flows/{id}", operationId: "read_flow_v2_flows__id__get" },
        { method: "get", path: "/runs/{id}", operationId: "read_run_runs__id__get" },
      ]),
    ).toEqual(["readFlowFlowsIdGet", "readFlowV2FlowsIdGet", "readRun"]);
  });

  it("numbers whatever still collides, in document order", () => {
    expect(
      names([
        { method: "get", path: "/a", operationId: "getThing" },
        { method: "get", path: "/b", operationId: "get-thing" },
        { method: "post", path: "/c", operationId: "GetThing" },
      ]),
    ).toEqual(["getThing", "getThing2", "getThing3"]);
  });
});

describe("shortenFastApiId", () => {
  it("leaves ids that FastAPI did not generate alone", () => {
    expect(shortenFastApiId("listPets", "get", "/pets")).toBeUndefined();
    expect(shortenFastApiId("pets_get", "get", "/pets")).toBeUndefined();
    expect(shortenFastApiId("health_check_health_get", "get", "/health")).toBe("health_check");
  });
});
