// The floor of the pass-through scenarios (`predict`, `single`): a hand-written node:http
// server doing the minimum any Node GraphQL-to-REST bridge must do for these two queries:
// read the POST body, JSON.parse it, take the arguments (the request's `variables` when it
// has them, else the bench query's own literals: no GraphQL parsing, no validation), send
// the upstream request with undici 7 through a keep-alive Pool (as Trestle does: same
// method, path, headers and body), parse the upstream JSON, keep the selected fields, wrap
// them as `{"data":{…}}`, JSON.stringify and answer with content-length.
import { createServer } from "node:http";
import { Pool } from "undici";
import { PREDICT_INPUT, USER_ID } from "../../lib/api.mjs";

// With OTEL_TRACES_EXPORTER=otlp (the telemetry bench's tracing floor): the same SDK and spans as
// `trestle serve` (otel.mjs); without it, none of it is loaded.
const otel = process.env.OTEL_TRACES_EXPORTER === "otlp" ? await import("./otel.mjs") : undefined;

const port = Number(process.env.PORT ?? 4000);
const upstream = new URL(process.env.UPSTREAM_URL ?? "http://127.0.0.1:4100");
const pool = new Pool(upstream.origin, { connections: 64, keepAliveTimeout: 4_000 });
const contentType = "application/graphql-response+json; charset=utf-8";

createServer((request, response) => {
  const chunks = [];
  request.on("data", (chunk) => chunks.push(chunk));
  request.on("end", () => {
    const text = Buffer.concat(chunks).toString("utf8");
    (otel === undefined ? answer(text) : otel.traceRequest(request, "query", (trace) => answer(text, trace))).then(
      (body) => send(response, 200, body),
      (error) => send(response, 502, JSON.stringify({ errors: [{ message: String(error?.message ?? error) }] })),
    );
  });
}).listen(port, "127.0.0.1", () => console.log(`bare-proxy ready on http://127.0.0.1:${port}/graphql`));

async function answer(text, trace) {
  const { query, variables } = JSON.parse(text);
  if (query.startsWith("mutation")) {
    const input = variables?.input ?? PREDICT_INPUT;
    const { model, label, score, tokens } = await call("POST", "/predict", JSON.stringify(input), trace);
    return JSON.stringify({ data: { predict: { model, label, score, tokens } } });
  }
  const id = variables?.id ?? USER_ID;
  const user = await call("GET", `/users/${encodeURIComponent(id)}`, undefined, trace);
  return JSON.stringify({ data: { user: user === null ? null : { id: user.id, name: user.name, email: user.email } } });
}

async function call(method, path, body, trace) {
  const headers = body === undefined ? { accept: "application/json" } : { accept: "application/json", "content-type": "application/json" };
  const { statusCode, body: stream } =
    trace === undefined
      ? await pool.request({ method, path, headers, body })
      : await otel.traceCall(trace, method, upstream.origin, path, headers, (traced) =>
          pool.request({ method, path, headers: traced, body }),
        );
  const parsed = await stream.json();
  if (statusCode === 404) return null;
  if (statusCode !== 200) throw new Error(`upstream answered ${statusCode}`);
  return parsed;
}

function send(response, status, body) {
  response.writeHead(status, { "content-type": contentType, "content-length": Buffer.byteLength(body) });
  response.end(body);
}

// A clean exit on SIGTERM, so that `node --cpu-prof` writes its profile (profile.mjs --system bare-proxy);
// with tracing, otel.mjs exports what is buffered first.
if (otel === undefined) process.once("SIGTERM", () => process.exit(0));
