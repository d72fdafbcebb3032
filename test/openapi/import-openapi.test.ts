import { describe, expect, it } from "vitest";
import { importOpenApi } from "../../src/openapi/import-openapi.js";
import { OpenApiImportError } from "../../src/openapi/openapi-import-error.js";
import { checkSchemaSources } from "../../src/sdl/check-schema.js";
import { block, flat, getReturning, importAndBuild, openapi31 } from "./build-imported-schema.js";

const pet = {
  type: "object",
  required: ["id", "name"],
  properties: { id: { type: "integer", format: "int64" }, name: { type: "string" }, tag: { type: "string" } },
};

describe("Swagger 2.0", () => {
  const swagger = {
    swagger: "2.0",
    info: { title: "Petstore", version: "1.0.0" },
    host: "petstore.example",
    basePath: "/v2",
    schemes: ["http", "https"],
    consumes: ["application/json"],
    produces: ["application/json"],
    securityDefinitions: { api_key: { type: "apiKey", name: "X-Api-Key", in: "header" } },
    security: [{ api_key: [] }],
    paths: {
      "/pets": {
        get: {
          operationId: "findPets",
          parameters: [
            { name: "tags", in: "query", type: "array", items: { type: "string" }, collectionFormat: "multi" },
            { name: "limit", in: "query", type: "integer", format: "int32", default: 20 },
          ],
          responses: { "200": { description: "ok", schema: { type: "array", items: { $ref: "#/definitions/Pet" } } } },
        },
        post: {
          operationId: "addPet",
          parameters: [{ name: "body", in: "body", required: true, schema: { $ref: "#/definitions/Pet" } }],
          responses: { "200": { description: "ok", schema: { $ref: "#/definitions/Pet" } } },
        },
      },
      "/pets/{petId}": {
        parameters: [{ $ref: "#/parameters/petId" }],
        get: { operationId: "getPet", responses: { "200": { description: "ok", schema: { $ref: "#/definitions/Pet" } } } },
        post: {
          operationId: "updatePetWithForm",
          consumes: ["application/x-www-form-urlencoded"],
          parameters: [{ name: "name", in: "formData", type: "string" }],
          responses: { "405": { description: "invalid" } },
        },
      },
    },
    parameters: { petId: { name: "petId", in: "path", required: true, type: "integer", format: "int64" } },
    definitions: { Pet: pet },
  };

  it("builds the base URL from host and basePath, preferring https", () => {
    const { sdl } = importAndBuild(swagger, { upstream: "petstore" });
    expect(sdl).toContain(
      'extend schema\n  @upstream(\n    name: "petstore"\n    baseUrl: "{env.PETSTORE_URL:-https://petstore.example/v2}"\n    headers: [{ name: "x-api-key", from: "x-api-key" }]\n  )',
    );
  });

  it("maps body parameters to inputs, parameters to arguments, and form bodies to form: (issue #20)", () => {
    const { sdl, summary } = importAndBuild(swagger, { upstream: "petstore" });
    expect(flat(sdl)).toContain(
      flat(
        'findPets(tags: [String!], limit: Int = 20): [Pet!] @rest(upstream: "petstore", path: "/pets?tags={args.tags}&limit={args.limit}")',
      ),
    );
    expect(flat(sdl)).toContain(
      flat('addPet(input: PetInput!): Pet @rest(upstream: "petstore", method: POST, path: "/pets", body: "{args.input}")'),
    );
    expect(flat(sdl)).toContain(flat('getPet(petId: Int64!): Pet @rest(upstream: "petstore", path: "/pets/{args.petId}")'));
    expect(summary).toEqual({ imported: 4, skipped: [], warnings: [] });
    expect(flat(sdl)).toContain(
      flat(
        'updatePetWithForm(petId: Int64!, name: String): JSON @rest(upstream: "petstore", method: POST, path: "/pets/{args.petId}", form: [{ name: "name", value: "{args.name}" }], formEncoding: URLENCODED)',
      ),
    );
  });

  it("without host, takes basePath as a relative server", () => {
    const { host: _host, ...noHost } = swagger;
    const { sdl, summary } = importAndBuild(noHost, { upstream: "petstore" });
    expect(sdl).toContain('baseUrl: "{env.PETSTORE_URL:-http://localhost/v2}"');
    expect(summary.warnings).toContain(
      'the spec\'s server "/v2" is not an absolute http(s) URL; the base URL defaults to http://localhost/v2: set PETSTORE_URL or pass --base-url',
    );
  });
});

describe("base URL", () => {
  const doc = (servers: unknown) => openapi31({ "/pets": getReturning({ type: "string" }) }, {}, { servers });
  it.each([
    [
      "the first server, as an env default",
      [{ url: "https://a.example/v1/" }, { url: "https://b.example" }],
      {},
      "{env.API_URL:-https://a.example/v1}",
    ],
    [
      "server variables filled in",
      [{ url: "https://{region}.example/{version}", variables: { region: { default: "eu" }, version: { enum: ["v3", "v2"] } } }],
      {},
      "{env.API_URL:-https://eu.example/v3}",
    ],
    [
      "a relative server, against the spec's URL",
      [{ url: "/api/v2" }],
      { specUrl: "http://127.0.0.1:8000/openapi.json" },
      "{env.API_URL:-http://127.0.0.1:8000/api/v2}",
    ],
    [
      "no server, against the spec's URL",
      undefined,
      { specUrl: "http://127.0.0.1:8000/openapi.json" },
      "{env.API_URL:-http://127.0.0.1:8000}",
    ],
    ["--base-url, as given", [{ url: "https://a.example" }], { baseUrl: "http://127.0.0.1:4010/" }, "http://127.0.0.1:4010"],
  ])("%s", (_, servers, options, expected) => {
    const { sdl } = importAndBuild(doc(servers), { upstream: "api", ...options });
    expect(sdl).toContain(`baseUrl: "${expected}"`);
  });

  it("refuses a --base-url that is not an http(s) URL", () => {
    expect(() => importOpenApi(doc(undefined), { upstream: "api", baseUrl: "ftp://x" })).toThrow(
      new OpenApiImportError('--base-url must be an absolute http:// or https:// URL, received "ftp://x"'),
    );
  });
});

describe("security schemes", () => {
  const op = (security?: unknown) => ({
    get: {
      operationId: `op${String(security === undefined ? "" : JSON.stringify(security).length)}`,
      ...(security === undefined ? {} : { security }),
      responses: { "200": { description: "ok", content: { "application/json": { schema: { type: "string" } } } } },
    },
  });
  const schemes = {
    bearer: { type: "http", scheme: "bearer" },
    oauth: { type: "oauth2", flows: {} },
    key: { type: "apiKey", in: "header", name: "X-Api-Key" },
    queryKey: { type: "apiKey", in: "query", name: "api_key" },
    session: { type: "apiKey", in: "cookie", name: "session" },
  };
  const doc = openapi31(
    {
      "/open": op(),
      "/bearer": op([{ bearer: [] }]),
      "/either": op([{ session: [] }, { key: [] }]),
      "/cookie": op([{ session: [] }]),
      "/query": op([{ queryKey: [] }]),
      "/oauth": op([{ oauth: [] }]),
    },
    {},
    { components: { schemas: {}, securitySchemes: schemes } },
  );

  it("forwards Authorization and header API keys, and skips cookie-only operations", () => {
    const { sdl, summary } = importAndBuild(doc);
    expect(sdl).toContain('headers: [{ name: "authorization", from: "authorization" }, { name: "x-api-key", from: "x-api-key" }]');
    expect(summary.skipped).toEqual([
      { method: "GET", path: "/cookie", reason: "authenticates only with a cookie (session), which the bridge does not forward" },
    ]);
    expect(summary.imported).toBe(5);
    expect(summary.warnings).toEqual([
      'security scheme "queryKey" sends an API key in the query parameter "api_key"; add it to the @rest paths by hand (e.g. api_key={env.API_KEY})',
    ]);
  });
});

describe("operations", () => {
  const json = (schema: unknown) => ({ "application/json": { schema } });
  const doc = openapi31({
    "/v2/models/${MODEL_NAME}/versions/{version}": {
      parameters: [{ name: "MODEL_NAME", in: "path", required: true, schema: { type: "string" } }],
      get: {
        operationId: "get-model-version",
        summary: "Get a model version",
        description: "Reads one version.",
        deprecated: true,
        parameters: [
          { name: "version", in: "path", required: true, schema: { type: "integer" } },
          { name: "x-request-id", in: "header", schema: { type: "string" }, description: "Correlates logs." },
          { name: "Accept", in: "header", schema: { type: "string" } },
          { name: "fields", in: "query", schema: { type: "array", items: { type: "string" } }, explode: false },
          { name: "filter", in: "query", schema: { type: "object", properties: { a: { type: "string" } } }, style: "deepObject" },
          { name: "theme", in: "cookie", schema: { type: "string" } },
          { name: "order", in: "query", schema: { type: "string", enum: ["asc", "desc"], default: "desc" } },
        ],
        responses: {
          "200": { description: "ok", content: json({ type: "object", properties: { name: { type: "string" } } }) },
          "404": { description: "missing" },
        },
      },
    },
    "/search?beta=true": {
      get: {
        operationId: "search",
        parameters: [{ name: "q", in: "query", required: true, schema: { type: "string" } }],
        responses: { "200": { description: "ok", content: json({ type: "array", items: { type: "string" } }) } },
      },
    },
    "/models/{name}": {
      delete: {
        operationId: "deleteModel",
        parameters: [{ name: "name", in: "path", required: true, schema: { type: "string" } }],
        responses: { "204": { description: "gone" } },
      },
    },
    "/files": {
      post: {
        operationId: "uploadFile",
        requestBody: {
          content: { "multipart/form-data": { schema: { type: "object", properties: { file: { type: "string", format: "binary" } } } } },
        },
        responses: { "200": { description: "ok", content: json({ type: "string" }) } },
      },
    },
    "/logs": {
      get: {
        operationId: "getLogs",
        responses: { "200": { description: "ok", content: { "text/plain": { schema: { type: "string" } } } } },
      },
    },
    "/generate_stream": {
      post: {
        operationId: "generateStream",
        responses: { "200": { description: "ok", content: { "text/event-stream": { schema: { type: "string" } } } } },
      },
    },
    "/generate": {
      post: {
        operationId: "generate",
        responses: {
          "200": {
            description: "ok",
            content: {
              "text/event-stream": { schema: { type: "string" } },
              ...json({ type: "object", properties: { text: { type: "string" } } }),
            },
          },
        },
      },
    },
    "/ping": { head: { operationId: "ping", responses: { "200": { description: "ok" } } } },
    "/session": {
      get: {
        operationId: "getSession",
        parameters: [{ name: "sid", in: "cookie", required: true, schema: { type: "string" } }],
        responses: { "200": { description: "ok", content: json({ type: "string" }) } },
      },
    },
    "/filter": {
      get: {
        operationId: "filterThings",
        parameters: [{ name: "where", in: "query", required: true, schema: { type: "object", additionalProperties: true } }],
        responses: { "200": { description: "ok", content: json({ type: "string" }) } },
      },
    },
  });

  it("turns path, query and header parameters into arguments with their wire names in the templates", () => {
    const { sdl } = importAndBuild(doc);
    expect(block(sdl, "type Query")).toContain(
      [
        '  # left out the optional query parameter "filter": it is an object, which a URL template cannot spell',
        '  # left out the optional cookie parameter "theme": the bridge cannot send it',
        '  """',
        "  Get a model version",
        "",
        "  Reads one version.",
        '  """',
        "  getModelVersion(",
        "    modelName: String!",
        "    version: Int!",
        '    """',
        "    Comma-separated values (the upstream takes this list as one query value).",
        '    """',
        "    fields: String",
        "    order: GetModelVersionOrder = desc",
        '    """Correlates logs."""',
        "    xRequestId: String",
        "  ): GetModelVersionResponse",
        "    @rest(",
        '      upstream: "api"',
        '      path: "/v2/models/{args.modelName}/versions/{args.version}?fields={args.fields}&order={args.order}"',
        '      headers: [{ name: "x-request-id", value: "{args.xRequestId}" }]',
        "    )",
        "    @deprecated",
      ].join("\n"),
    );
  });

  it("appends query parameters to a path that has a query already", () => {
    const { sdl } = importAndBuild(doc);
    expect(sdl).toContain('search(q: String!): [String!] @rest(upstream: "api", path: "/search?beta=true&q={args.q}")');
  });

  it("types a success answer without content (204) as Boolean, true when the call succeeds", () => {
    const { sdl } = importAndBuild(doc);
    expect(flat(sdl)).toContain(
      flat(
        '""" Answers 204 with no content: true when the call succeeds. """ deleteModel(name: String!): Boolean @rest(upstream: "api", method: DELETE, path: "/models/{args.name}")',
      ),
    );
  });

  it("prefers JSON where an answer also streams, and says so", () => {
    const { sdl } = importAndBuild(doc);
    expect(sdl).toContain(
      [
        "  # also streams text/event-stream when the request asks: a Subscription field with stream: { format: SSE } can serve that (docs/openapi-import.md)",
        '  generate: GenerateResponse @rest(upstream: "api", method: POST, path: "/generate")',
      ].join("\n"),
    );
  });

  it("I18-5: makes an operation that only streams a Subscription field", () => {
    const { sdl } = importAndBuild(doc);
    expect(flat(block(sdl, "type Subscription"))).toBe(
      flat(
        `type Subscription { """ Streams text/event-stream: one payload per event. The document gives no schema for the stream's items: each event's data is passed on as JSON. """ generateStream: JSON @rest(upstream: "api", method: POST, path: "/generate_stream", stream: { format: SSE }) }`,
      ),
    );
  });

  it("skips what it cannot bridge, with a comment and a summary entry for each", () => {
    const { sdl, summary } = importAndBuild(doc);
    const expected = [
      { method: "GET", path: "/logs", reason: "answers text/plain, not JSON" },
      { method: "HEAD", path: "/ping", reason: "HEAD answers carry no body to resolve a field from" },
      { method: "GET", path: "/session", reason: 'needs the cookie parameter "sid", which the bridge cannot send' },
      { method: "GET", path: "/filter", reason: 'query parameter "where" is a map, which a URL template cannot spell' },
    ];
    expect(summary.skipped).toEqual(expected);
    // POST /files (multipart/form-data) is imported since issue #20, POST /generate_stream since #18.
    expect(summary.imported).toBe(6);
    for (const { method, path, reason } of expected)
      expect(sdl).toMatch(
        new RegExp(`^# - ${method} ${path.replace(/[?$]/g, "\\$&")} \\(\\w+\\): ${reason.replace(/[()]/g, "\\$&")}$`, "m"),
      );
  });

  it("still emits a valid schema, with a commented placeholder Query, when no GET is imported", () => {
    const { sdl, summary } = importAndBuild(
      openapi31({
        "/predict": { post: { operationId: "predict", responses: { "200": { description: "ok", content: json({ type: "number" }) } } } },
      }),
    );
    expect(block(sdl, "type Query")).toBe(
      'type Query {\n  """\n  Placeholder: GraphQL requires a Query type and this API has no GET operation that could be imported. Always null; remove it once another file defines Query fields.\n  """\n  _empty: Boolean\n}',
    );
    expect(summary.imported).toBe(1);
    expect(summary.warnings).toContain(
      "no GET operation was imported, so Query holds only the placeholder field _empty (GraphQL requires a Query type)",
    );
  });
});

describe("a FastAPI (pydantic v2) document", () => {
  const nullable = (schema: unknown) => ({ anyOf: [schema, { type: "null" }] });
  const fastapi = {
    openapi: "3.1.0",
    info: { title: "Model Service", version: "0.1.0" },
    paths: {
      "/models/{model_name}": {
        get: {
          summary: "Get Model",
          operationId: "get_model_models__model_name__get",
          parameters: [{ name: "model_name", in: "path", required: true, schema: { type: "string", title: "Model Name" } }],
          responses: {
            "200": {
              description: "Successful Response",
              content: { "application/json": { schema: { $ref: "#/components/schemas/Model" } } },
            },
            "422": {
              description: "Validation Error",
              content: { "application/json": { schema: { $ref: "#/components/schemas/HTTPValidationError" } } },
            },
          },
        },
      },
      "/models/{model_name}/predict": {
        post: {
          summary: "Predict",
          operationId: "predict_models__model_name__predict_post",
          parameters: [{ name: "model_name", in: "path", required: true, schema: { type: "string", title: "Model Name" } }],
          requestBody: { required: true, content: { "application/json": { schema: { $ref: "#/components/schemas/PredictRequest" } } } },
          responses: {
            "200": {
              description: "Successful Response",
              content: { "application/json": { schema: { $ref: "#/components/schemas/Prediction" } } },
            },
          },
        },
      },
      "/flows/filter": {
        post: {
          summary: "Read Flows",
          operationId: "read_flows_flows_filter_post",
          requestBody: { content: { "application/json": { schema: { $ref: "#/components/schemas/Body_read_flows_flows_filter_post" } } } },
          responses: {
            "200": {
              description: "Successful Response",
              content: { "application/json": { schema: { type: "array", items: { $ref: "#/components/schemas/Model" } } } },
            },
          },
        },
      },
      "/models/{model_name}/upload": {
        post: {
          summary: "Upload",
          operationId: "upload_models__model_name__upload_post",
          parameters: [{ name: "model_name", in: "path", required: true, schema: { type: "string" } }],
          requestBody: {
            required: true,
            content: { "multipart/form-data": { schema: { $ref: "#/components/schemas/Body_upload_models__model_name__upload_post" } } },
          },
          responses: { "200": { description: "Successful Response", content: { "application/json": { schema: {} } } } },
        },
      },
    },
    components: {
      schemas: {
        Model: {
          type: "object",
          title: "Model",
          required: ["name", "latest_version", "stage"],
          properties: {
            name: { type: "string", title: "Name" },
            latest_version: { type: "integer", title: "Latest Version" },
            description: { ...nullable({ type: "string" }), title: "Description" },
            stage: { $ref: "#/components/schemas/ModelStage" },
            created_at: { type: "string", format: "date-time", title: "Created At" },
            kind: { type: "string", const: "model", title: "Kind", default: "model" },
          },
        },
        ModelStage: { type: "string", enum: ["None", "Staging", "Production"], title: "ModelStage" },
        PredictRequest: {
          type: "object",
          title: "PredictRequest",
          required: ["inputs"],
          properties: {
            inputs: { type: "array", items: { type: "number" }, title: "Inputs" },
            top_k: { ...nullable({ type: "integer" }), title: "Top K", default: 5 },
          },
        },
        Prediction: {
          type: "object",
          title: "Prediction",
          required: ["scores"],
          properties: {
            scores: { type: "array", items: { type: "number" }, title: "Scores" },
            model_version: nullable({ type: "integer" }),
          },
        },
        Body_read_flows_flows_filter_post: {
          type: "object",
          properties: { offset: { type: "integer", default: 0 }, limit: nullable({ type: "integer" }) },
        },
        Body_upload_models__model_name__upload_post: { type: "object", properties: { file: { type: "string", format: "binary" } } },
        HTTPValidationError: { type: "object", properties: { detail: { type: "array", items: { type: "object" } } } },
      },
    },
  };

  it("imports with short names, SNAKE_CASE and nullable anyOf fields", () => {
    const { sdl, summary } = importAndBuild(fastapi, { upstream: "models", specUrl: "http://127.0.0.1:8000/openapi.json" });
    expect(summary.imported).toBe(4);
    expect(sdl).toContain('@upstream(name: "models", baseUrl: "{env.MODELS_URL:-http://127.0.0.1:8000}", naming: SNAKE_CASE)');
    expect(sdl).toContain('getModel(modelName: String!): Model @rest(upstream: "models", path: "/models/{args.modelName}")');
    expect(flat(sdl)).toContain(flat("predict(modelName: String!, input: PredictRequestInput!): Prediction"));
    expect(flat(sdl)).toContain(
      flat('@rest(upstream: "models", method: POST, path: "/models/{args.modelName}/predict", body: "{args.input}")'),
    );
    expect(block(sdl, "type Model")).toBe(
      "type Model {\n  name: String!\n  latestVersion: Int!\n  description: String\n  stage: ModelStage\n  createdAt: DateTime\n  kind: String\n}",
    );
    expect(block(sdl, "input PredictRequestInput")).toBe("input PredictRequestInput {\n  inputs: [Float!]!\n  topK: Int\n}");
    expect(block(sdl, "enum ModelStage")).toBe("enum ModelStage {\n  None\n  Staging\n  Production\n}");
    expect(sdl).not.toContain("HTTPValidationError");
    expect(flat(sdl)).toContain(
      flat(
        'readFlows(input: ReadFlowsInput): [Model!] @rest(upstream: "models", method: POST, path: "/flows/filter", body: "{args.input}")',
      ),
    );
    expect(block(sdl, "input ReadFlowsInput")).toBe("input ReadFlowsInput {\n  offset: Int\n  limit: Int\n}");
    // The UploadFile endpoint (issue #20): an Upload argument and form:.
    expect(summary.skipped).toEqual([]);
    expect(flat(sdl)).toContain(
      flat(
        'upload(modelName: String!, file: Upload): JSON @rest(upstream: "models", method: POST, path: "/models/{args.modelName}/upload", form: [{ name: "file", value: "{args.file}" }])',
      ),
    );
  });
});

describe("output", () => {
  it("is the same text when imported twice", () => {
    const doc = openapi31(
      { "/b": getReturning({ $ref: "#/components/schemas/B" }, "getB"), "/a": getReturning({ $ref: "#/components/schemas/A" }, "getA") },
      { B: pet, A: { type: "object", properties: { b: { $ref: "#/components/schemas/B" } } } },
    );
    const first = importAndBuild(doc).sdl;
    expect(importAndBuild(structuredClone(doc)).sdl).toBe(first);
    expect(first.indexOf("type A {")).toBeLessThan(first.indexOf("type B {"));
  });

  it("refuses an upstream name that cannot name a route", () => {
    expect(() => importOpenApi(openapi31({}), { upstream: "my api" })).toThrow(
      'upstream name must be letters, digits, "_" or "-" (it names /rest/<upstream>/ routes), received "my api"',
    );
  });
});

describe("the links recipe in docs/openapi-import.md", () => {
  it("checks: a hand-written file extends the imported types with parent-keyed @rest fields", () => {
    const item = (ref: string) => ({ "application/json": { schema: { $ref: `#/components/schemas/${ref}` } } });
    const doc = openapi31(
      {
        "/models/{name}": {
          get: {
            operationId: "get_model",
            parameters: [{ name: "name", in: "path", required: true, schema: { type: "string" } }],
            responses: { "200": { description: "ok", content: item("Model") } },
          },
        },
        "/users/{user_id}": {
          get: {
            operationId: "get_user",
            parameters: [{ name: "user_id", in: "path", required: true, schema: { type: "integer" } }],
            responses: { "200": { description: "ok", content: item("User") } },
          },
        },
      },
      {
        Model: { type: "object", required: ["name"], properties: { name: { type: "string" }, owner_id: { type: "integer" } } },
        User: { type: "object", required: ["id"], properties: { id: { type: "integer" }, display_name: { type: "string" } } },
      },
    );
    const { sdl } = importAndBuild(doc, { upstream: "ml" });
    const links = `extend type Model {
  owner: User
    @rest(upstream: "ml", path: "/users/{parent.owner_id}",
          batch: { path: "/users?ids={keys}", key: "id" })
}`;
    const diagnostics = checkSchemaSources(
      [
        { name: "ml.graphql", body: sdl },
        { name: "ml-links.graphql", body: links },
      ],
      {},
    );
    expect(diagnostics).toEqual([]);
  });
});
