import { describe, expect, it } from "vitest";
import { createRouteMatcher } from "../../src/passthrough/match-route.js";
import { normalizePath } from "../../src/passthrough/normalize-path.js";
import type { HttpMethod, UpstreamPlan } from "../../src/plan/schema-plan.js";
import { testUpstreamPlan } from "../helpers/upstream-plan.js";

function upstream(name: string, paths: string[], methods: HttpMethod[] = ["GET", "POST"], basePath = "/api"): UpstreamPlan {
  return testUpstreamPlan({
    name,
    origin: "http://upstream.test",
    basePath,
    passthrough: { methods, paths, setCookie: false, maxRequestBytes: 1000 },
  });
}

const match = createRouteMatcher("", [
  upstream("ml", ["/models/**", "/pipelines/*/runs", "/a/**/z", "/exact"]),
  { ...upstream("closed", ["/**"]), passthrough: undefined },
]);
const route = (target: string, method = "GET") => {
  const checked = normalizePath(target);
  if (!checked.ok) throw new Error(checked.detail);
  return match(checked.target, method);
};

describe("glob semantics", () => {
  it.each([
    ["/rest/ml/models", "/api/models"],
    ["/rest/ml/models/", "/api/models/"],
    ["/rest/ml/models/fraud-xgb", "/api/models/fraud-xgb"],
    ["/rest/ml/models/fraud-xgb/versions/3?x=1", "/api/models/fraud-xgb/versions/3?x=1"],
    ["/rest/ml/%6dodels/x", "/api/%6dodels/x"],
    ["/rest/ml/pipelines/7/runs", "/api/pipelines/7/runs"],
    ["/rest/ml/a/z", "/api/a/z"],
    ["/rest/ml/a/b/c/z", "/api/a/b/c/z"],
    ["/rest/ml/exact", "/api/exact"],
  ])("%s is forwarded to %s", (target, path) => {
    expect(route(target)).toMatchObject({ kind: "route", path, mount: "/rest/ml" });
  });

  it.each([
    "/rest/ml/modelsx",
    "/rest/ml/models:batchGet",
    "/rest/ml/pipelines/7",
    "/rest/ml/pipelines/7/runs/1",
    "/rest/ml/pipelines/runs",
    "/rest/ml/a/b",
    "/rest/ml/exact/more",
    "/rest/ml",
    "/rest/ml/",
    "/rest/nope/models",
    "/rest/closed/x",
    "/rest/%6d%6c/models",
    "/rest/ML/models",
  ])("%s matches no route (404)", (target) => {
    expect(route(target).kind).toBe("not-found");
  });

  it("answers 405 with Allow for a declared path and an undeclared method; GET opens HEAD", () => {
    expect(route("/rest/ml/models", "DELETE")).toMatchObject({ kind: "method-not-allowed", allow: "GET, POST, HEAD" });
    expect(route("/rest/ml/models", "get")).toMatchObject({ kind: "method-not-allowed" });
    expect(route("/rest/ml/models", "HEAD").kind).toBe("route");
  });

  it("mounts under the prefix", () => {
    const prefixed = createRouteMatcher("/bff/v1", [upstream("ml", ["/**"], ["GET"], "")]);
    const checked = normalizePath("/bff/v1/rest/ml/x");
    expect(checked.ok && prefixed(checked.target, "GET")).toMatchObject({ kind: "route", path: "/x", mount: "/bff/v1/rest/ml" });
  });
});
