import { cachePolicy } from "./cache-policy.js";
import { assertNoIssues, notFound, unprocessable, type ValidationIssue } from "./http-error.js";
import { checkStringList, requireObjectBody, requireStringListField } from "./json-body.js";
import { getIntQuery } from "./params.js";
import type { DemoRoute, DemoRouteContext } from "./router.js";
import type { ModelRecord } from "./types.js";

/** Model registry, MLflow-like. Lists page by name with an opaque cursor. */
export const modelRoutes: DemoRoute[] = [
  {
    method: "GET",
    path: "/models",
    handle({ data, query }) {
      const limit = getIntQuery(query, "limit", 20, { min: 1, max: 100 });
      const after = decodeCursor(query.get("cursor"));
      const names = [...data.models.keys()].sort().filter((name) => after === undefined || name > after);
      const page = names.slice(0, limit);
      const last = page.at(-1);
      return {
        body: {
          items: page.map((name) => data.models.get(name)),
          next_cursor: names.length > limit && last !== undefined ? encodeCursor(last) : null,
        },
        cacheControl: cachePolicy.models,
        etag: true,
      };
    },
  },
  {
    method: "POST",
    path: "/models:batchGet",
    handle({ data, readJson }) {
      const names = requireStringListField(requireObjectBody(readJson()), "names");
      // Answered in request order, without duplicates; unknown names are left out.
      const models = [...new Set(names)].flatMap((name) => data.models.get(name) ?? []);
      return { body: { models } };
    },
  },
  {
    method: "GET",
    path: "/models/{name}",
    handle: (context) => ({ body: getModel(context), cacheControl: cachePolicy.models, etag: true }),
  },
  {
    method: "PATCH",
    path: "/models/{name}",
    handle(context) {
      const model = getModel(context);
      const body = requireObjectBody(context.readJson());
      const issues: ValidationIssue[] = [];
      const description = body["description"];
      if (description !== undefined && description !== null && typeof description !== "string") {
        issues.push({ type: "string_type", loc: ["body", "description"], msg: "Input should be a valid string", input: description });
      }
      const tags = body["tags"] === undefined ? undefined : checkStringList(body["tags"], ["body", "tags"], issues);
      assertNoIssues(issues);
      if (description !== undefined) model.description = description as string | null;
      if (tags !== undefined) model.tags = [...tags];
      return { body: model };
    },
  },
  {
    method: "DELETE",
    path: "/models/{name}",
    handle(context) {
      const model = getModel(context);
      context.data.models.delete(model.name);
      context.data.modelVersions.delete(model.name);
      return { status: 204 };
    },
  },
  {
    method: "GET",
    path: "/models/{name}/versions",
    handle(context) {
      const model = getModel(context);
      return {
        body: { items: context.data.modelVersions.get(model.name) ?? [] },
        cacheControl: cachePolicy.models,
        etag: true,
      };
    },
  },
];

export function getModel({ data, params }: DemoRouteContext): ModelRecord {
  const name = params["name"] ?? "";
  const model = data.models.get(name);
  if (model === undefined) throw notFound(`Model '${name}' not found`);
  return model;
}

const CURSOR_PREFIX = "after:";

function encodeCursor(name: string): string {
  return Buffer.from(CURSOR_PREFIX + name).toString("base64url");
}

function decodeCursor(cursor: string | null): string | undefined {
  if (cursor === null || cursor === "") return undefined;
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  if (!text.startsWith(CURSOR_PREFIX)) {
    throw unprocessable({ type: "value_error", loc: ["query", "cursor"], msg: "Value error, invalid cursor", input: cursor });
  }
  return text.slice(CURSOR_PREFIX.length);
}
