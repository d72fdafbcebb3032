import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  buildASTSchema,
  Kind,
  parse,
  print,
  visit,
  type ConstDirectiveNode,
  type ConstValueNode,
  type DocumentNode,
  type FieldDefinitionNode,
} from "graphql";
import { describe, expect, it } from "vitest";
import { componentSchemas } from "../../src/demo/openapi-schemas.js";
import { streamSchemas } from "../../src/demo/openapi-streams.js";
import { matchRoute } from "../../src/demo/router.js";
import { demoRoutes } from "../../src/demo/routes.js";
import { directiveDefinitions } from "../../src/sdl/directives.js";

const schemaDir = fileURLToPath(new URL("../../schema/", import.meta.url));
const files = readdirSync(schemaDir)
  .filter((file) => file.endsWith(".graphql"))
  .sort();
const sdl = files.map((file) => readFileSync(schemaDir + file, "utf8")).join("\n");
const document: DocumentNode = parse(`${directiveDefinitions}\n${sdl}`);

interface RestUse {
  type: string;
  field: string;
  args: string[];
  method: string;
  path: string;
  body?: string;
  headers: string[];
  batch?: { method: string; path: string };
}

/** Every @rest in the schema, with the field it sits on. */
function collectRestUses(): RestUse[] {
  const uses: RestUse[] = [];
  const visitType = (node: { name: { value: string }; fields?: readonly FieldDefinitionNode[] }): void => {
    for (const field of node.fields ?? []) {
      const rest = field.directives?.find((directive) => directive.name.value === "rest");
      if (rest === undefined) continue;
      const batch = argument(rest, "batch");
      const batchFields = batch?.kind === Kind.OBJECT ? batch.fields : [];
      const batchValue = (name: string): string | undefined => stringOf(batchFields.find((item) => item.name.value === name)?.value);
      const headers = argument(rest, "headers");
      const body = stringOf(argument(rest, "body"));
      uses.push({
        type: node.name.value,
        field: `${node.name.value}.${field.name.value}`,
        args: (field.arguments ?? []).map((arg) => arg.name.value),
        method: enumOf(argument(rest, "method")) ?? "GET",
        path: stringOf(argument(rest, "path")) ?? "",
        ...(body === undefined ? {} : { body }),
        headers: headers === undefined ? [] : [print(headers)],
        ...(batch === undefined
          ? {}
          : {
              batch: {
                method: enumOf(batchFields.find((item) => item.name.value === "method")?.value) ?? "GET",
                path: batchValue("path") ?? "",
              },
            }),
      });
    }
  };
  visit(document, { ObjectTypeDefinition: visitType, ObjectTypeExtension: visitType });
  return uses;
}

function argument(directive: ConstDirectiveNode, name: string): ConstValueNode | undefined {
  return directive.arguments?.find((arg) => arg.name.value === name)?.value;
}

function stringOf(value: ConstValueNode | undefined): string | undefined {
  return value?.kind === Kind.STRING ? value.value : undefined;
}

function enumOf(value: ConstValueNode | undefined): string | undefined {
  return value?.kind === Kind.ENUM ? value.value : undefined;
}

/** A template's path with every `{…}` variable replaced by a sample segment. */
function samplePath(template: string): string {
  return (template.split("?")[0] ?? "").replace(/\{[^}]+\}/g, "sample");
}

/** The upstream's JSON keys for a GraphQL type, from the demo's OpenAPI components. */
function upstreamKeys(type: string): string[] {
  const component = { ...componentSchemas, ...streamSchemas }[type === "Prediction" ? "PredictResponse" : type];
  return Object.keys(component?.properties ?? {});
}

/** What `naming: SNAKE_CASE` reads for a field: latestVersion -> latest_version. */
function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/** Fields read straight from upstream JSON (no @rest), with the key or dot path they read. */
function collectPlainFields(): [string, string, string][] {
  const fields: [string, string, string][] = [];
  const visitType = (node: { name: { value: string }; fields?: readonly FieldDefinitionNode[] }): void => {
    if (node.name.value === "Query" || node.name.value === "Mutation") return;
    // Connections, their edges and PageInfo are what Trestle builds for paginate: fields, not upstream answers.
    if (/(?:Connection|Edge)$|^PageInfo$/.test(node.name.value)) return;
    for (const field of node.fields ?? []) {
      const directives = field.directives ?? [];
      if (directives.some((directive) => directive.name.value === "rest")) continue;
      const from = directives.find((directive) => directive.name.value === "from");
      const path = from === undefined ? snakeCase(field.name.value) : (stringOf(argument(from, "path")) ?? "");
      fields.push([node.name.value, field.name.value, path]);
    }
  };
  visit(document, { ObjectTypeDefinition: visitType, ObjectTypeExtension: visitType });
  return fields;
}

const directivesUsed = new Set<string>();
visit(document, { Directive: (node) => void directivesUsed.add(node.name.value) });
const restUses = collectRestUses();

describe("the demo schema in schema/", () => {
  it("has several SDL files", () => {
    expect(files).toEqual(expect.arrayContaining(["upstreams.graphql", "models.graphql", "users.graphql"]));
  });

  it("parses and builds with the Trestle directive definitions", () => {
    const schema = buildASTSchema(document);
    expect(schema.getQueryType()?.name).toBe("Query");
    expect(schema.getMutationType()?.name).toBe("Mutation");
    expect(Object.keys(schema.getQueryType()?.getFields() ?? {})).toEqual(
      expect.arrayContaining(["model", "models", "me", "experiments", "runs", "pipelines", "users"]),
    );
  });

  it.each(["upstream", "rest", "from", "cache"])("uses @%s", (name) => {
    expect(directivesUsed.has(name)).toBe(true);
  });

  it.each(["GET", "POST", "PUT", "PATCH", "DELETE"])("calls the upstream with %s", (method) => {
    expect(restUses.some((use) => use.method === method)).toBe(true);
  });

  it("declares the ml upstream from DEMO_API_URL, with header forwarding and passthrough", () => {
    expect(sdl).toContain('baseUrl: "{env.DEMO_API_URL:-http://127.0.0.1:4010}"');
    expect(sdl).toContain('{ name: "authorization", from: "authorization" }');
    expect(sdl).toMatch(/passthrough: \{ methods: \[GET, POST\]/);
  });

  it("uses every template and batch form", () => {
    const templates = restUses.flatMap((use) => [use.path, use.body ?? "", ...use.headers]).join("\n");
    expect(templates).toMatch(/\{args\.\w+\}/);
    expect(templates).toMatch(/\{parent\.\w+\}/);
    expect(templates).toContain("{header.x-request-id}");
    expect(restUses.some((use) => use.body === "{args.input}")).toBe(true);
    expect(restUses.some((use) => use.body?.startsWith('{"inputs": {args.inputs}') === true)).toBe(true);
    const batchPaths = restUses.flatMap((use) => (use.batch === undefined ? [] : [`${use.batch.method} ${use.batch.path}`]));
    expect(batchPaths).toEqual(expect.arrayContaining(["GET /users?ids={keys}", "GET /teams?ids={keys*}", "POST /models:batchGet"]));
  });

  it.each(restUses.map((use) => [use.field, use] as const))("%s names only its own arguments", (_field, use) => {
    const names = [use.path, use.body ?? "", ...use.headers].flatMap((text) =>
      [...text.matchAll(/\{args\.(\w+)\}/g)].map((match) => match[1]),
    );
    for (const name of names) expect(use.args).toContain(name);
  });

  it.each(restUses.map((use) => [use.field, use] as const))("%s targets a route of the demo upstream", (_field, use) => {
    expect(matchRoute(demoRoutes, use.method, samplePath(use.path)).kind).toBe("found");
    if (use.batch !== undefined) expect(matchRoute(demoRoutes, use.batch.method, samplePath(use.batch.path)).kind).toBe("found");
  });

  it.each(restUses.map((use) => [use.field, use] as const))("%s reads parent keys that the upstream sends", (_field, use) => {
    const keys = [use.path, use.body ?? "", use.batch?.path ?? ""].flatMap((text) =>
      [...text.matchAll(/\{parent\.(\w+)\}/g)].map((match) => match[1]),
    );
    for (const key of keys) expect(upstreamKeys(use.type)).toContain(key);
  });

  it.each(collectPlainFields())("%s.%s reads %s, a key of the upstream's answer", (type, _field, path) => {
    expect(upstreamKeys(type)).toContain(path.split(".")[0]);
  });
});
