// The tracing floor: what the OpenTelemetry SDK that `trestle serve` sets up (the 0.203 line:
// NodeTracerProvider, BatchSpanProcessor, OTLP/HTTP JSON exporter, no context manager) costs a
// bare proxy making the same three spans per request as Trestle: a SERVER span continuing the
// client's traceparent, an INTERNAL span for the operation, a CLIENT span whose traceparent goes
// upstream, with the attributes Trestle sets. Loaded only when OTEL_TRACES_EXPORTER=otlp.
import { context, propagation, SpanKind, trace } from "@opentelemetry/api";
import { BatchSpanProcessor, NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";

const provider = new NodeTracerProvider({
  resource: resourceFromAttributes({ "service.name": process.env.OTEL_SERVICE_NAME ?? "bare-proxy" }),
  spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
});
provider.register({ contextManager: null });
const tracer = trace.getTracer("bare-proxy");
const getter = { keys: () => [], get: (headers, key) => headers[key] };
process.once("SIGTERM", () => provider.shutdown().finally(() => process.exit(0)));

/** `work(operationContext)` inside a server span and an operation span (the calls' parent); returns its promise. */
export async function traceRequest(request, name, work) {
  const parent = propagation.extract(context.active(), request.headers, getter);
  const server = tracer.startSpan(`POST /graphql`, { kind: SpanKind.SERVER }, parent);
  server.setAttribute("http.request.method", request.method);
  server.setAttribute("http.route", "/graphql");
  const serverContext = trace.setSpan(parent, server);
  const operation = tracer.startSpan(name, { kind: SpanKind.INTERNAL }, serverContext);
  operation.setAttribute("graphql.operation.type", name.split(" ")[0]);
  try {
    return await work(trace.setSpan(serverContext, operation));
  } finally {
    operation.end();
    server.setAttribute("http.response.status_code", 200);
    server.end();
  }
}

/** One upstream call as a CLIENT span; `headers` get its traceparent. */
export async function traceCall(parent, method, origin, path, headers, send) {
  const span = tracer.startSpan(`${method} ${path}`, { kind: SpanKind.CLIENT }, parent);
  span.setAttributes({
    "http.request.method": method,
    "url.full": `${origin}${path}`,
    "server.address": "127.0.0.1",
    "server.port": 4100,
    "trestle.upstream": "bench",
  });
  propagation.inject(trace.setSpan(parent, span), headers);
  try {
    const answer = await send(headers);
    span.setAttribute("http.response.status_code", answer.statusCode);
    return answer;
  } finally {
    span.end();
  }
}
