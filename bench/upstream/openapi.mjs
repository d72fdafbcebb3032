// The upstream's own OpenAPI 3.0 description, served at /openapi.json. GraphQL Mesh reads
// it to build its schema; operationIds become the root field names.

const id = { type: "string", description: "Numeric id, sent as a string" };
const ref = (name) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema, description = "OK") => ({ description, content: { "application/json": { schema } } });
const idsParam = {
  name: "ids",
  in: "query",
  required: true,
  description: "Comma-separated ids (1,2,3); unknown ids are left out",
  style: "form",
  explode: false,
  schema: { type: "array", items: { type: "string" } },
};
// A 404 is documented without a body schema: Mesh turns a second documented response
// schema into a union (User | Error), which changes the client's query text.
const notFound = { description: "Not found" };
const idPath = { name: "id", in: "path", required: true, schema: { type: "string" } };

export function buildOpenApi(serverUrl) {
  return {
    openapi: "3.0.3",
    info: { title: "Trestle benchmark upstream", version: "1.0.0" },
    servers: [{ url: serverUrl }],
    paths: {
      "/users/{id}": { get: { operationId: "user", parameters: [idPath], responses: { 200: json(ref("User")), 404: notFound } } },
      "/users": { get: { operationId: "users", parameters: [idsParam], responses: { 200: json({ type: "array", items: ref("User") }) } } },
      "/teams/{id}": { get: { operationId: "team", parameters: [idPath], responses: { 200: json(ref("Team")), 404: notFound } } },
      "/teams": { get: { operationId: "teams", parameters: [idsParam], responses: { 200: json({ type: "array", items: ref("Team") }) } } },
      "/posts": {
        get: {
          operationId: "posts",
          parameters: [
            { name: "limit", in: "query", schema: { type: "integer", default: 50, maximum: 500 } },
            { name: "offset", in: "query", schema: { type: "integer", default: 0 } },
          ],
          responses: { 200: json({ type: "array", items: ref("Post") }) },
        },
      },
      "/posts/{id}": { get: { operationId: "post", parameters: [idPath], responses: { 200: json(ref("Post")), 404: notFound } } },
      "/predict": {
        post: {
          operationId: "predict",
          requestBody: { required: true, content: { "application/json": { schema: ref("PredictInput") } } },
          responses: { 200: json(ref("Prediction")) },
        },
      },
    },
    components: {
      schemas: {
        User: {
          type: "object",
          required: ["id", "name", "email", "team_id"],
          properties: { id, name: { type: "string" }, email: { type: "string" }, team_id: id, created_at: { type: "string" } },
        },
        Team: {
          type: "object",
          required: ["id", "name", "slug"],
          properties: { id, name: { type: "string" }, slug: { type: "string" }, member_count: { type: "integer" } },
        },
        Post: {
          type: "object",
          required: ["id", "title", "author_id"],
          properties: { id, title: { type: "string" }, body: { type: "string" }, author_id: id, published_at: { type: "string" } },
        },
        PredictInput: {
          type: "object",
          required: ["text"],
          properties: { model: { type: "string" }, text: { type: "string" } },
        },
        Prediction: {
          type: "object",
          required: ["model", "label", "score", "tokens"],
          properties: {
            model: { type: "string" },
            label: { type: "string" },
            score: { type: "number" },
            tokens: { type: "integer" },
            model_version: { type: "integer" },
          },
        },
        Error: { type: "object", properties: { detail: { type: "string" } } },
      },
    },
  };
}
